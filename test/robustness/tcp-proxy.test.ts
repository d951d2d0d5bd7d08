// The harness's TCP proxy against an echo server: passing, delaying (in order), dropping and
// black-holing, and healing a black hole by closing the broken connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { PASS, TcpProxy, type LinkMode } from './harness/tcp-proxy.js';
import { until } from './harness/wait.js';

describe('TcpProxy', () => {
  let echo: net.Server;
  let proxy: TcpProxy;
  let mode: LinkMode = PASS;
  before(async () => {
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const port = (echo.address() as net.AddressInfo).port;
    proxy = new TcpProxy('127.0.0.1', 0, '127.0.0.1', port, { modeFor: () => mode });
    await proxy.listen();
  });
  after(async () => {
    await proxy.close();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  const connect = async (): Promise<{ sock: net.Socket; got: () => string; closed: () => boolean }> => {
    const sock = net.connect(proxy.listenPort, '127.0.0.1');
    let data = '';
    let closed = false;
    sock.setEncoding('utf8').on('data', (d: string) => (data += d));
    sock.on('close', () => (closed = true)).on('error', () => undefined);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    return { sock, got: () => data, closed: () => closed };
  };

  test('passes bytes both ways, and delays keep their order', async () => {
    mode = PASS;
    const c = await connect();
    c.sock.write('a');
    await until('echo', async () => (c.got() === 'a' ? true : undefined), 5_000);
    // Each chunk is held as the mode says when it arrives; a shorter delay must not overtake.
    for (const [ch, ms] of [['b', 80], ['c', 5], ['d', 40], ['e', 1], ['f', 0]] as const) {
      mode = { kind: 'delay', ms };
      c.sock.write(ch);
      await until(`the proxy to hold ${ch}`, async () => (proxy.stats.held > 0 || c.got().includes(ch) ? true : undefined), 5_000);
    }
    mode = PASS;
    c.sock.write('g');
    await until('delayed echo', async () => (c.got().length === 7 ? true : undefined), 5_000);
    assert.equal(c.got(), 'abcdefg');
    c.sock.destroy();
  });

  test('drop closes connections; a black hole swallows bytes until healed, then closes', async () => {
    mode = PASS;
    const a = await connect();
    mode = { kind: 'drop' };
    proxy.reevaluate();
    await until('the dropped connection to close', async () => (a.closed() ? true : undefined), 5_000);

    mode = PASS;
    const b = await connect();
    mode = { kind: 'blackhole' };
    b.sock.write('lost');
    b.sock.write('more');
    await until('the proxy to swallow the bytes', async () => (proxy.stats.swallowed === 1 ? true : undefined), 5_000);
    assert.equal(b.closed(), false, 'a black hole does not close the connection');
    mode = PASS;
    proxy.reevaluate();
    await until('the black-holed connection to close on heal', async () => (b.closed() ? true : undefined), 5_000);
    assert.equal(b.got(), '');
  });
});
