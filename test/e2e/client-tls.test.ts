// Client TLS end to end, Cairn beside etcd 3.4.23 with the same certificates and flags:
// etcdctl with --cacert/--cert/--key, who is refused (no certificate, another CA's, a revoked
// one, plaintext), the certificate's common name as the user once auth is on, a token winning
// over it, the JSON gateway over HTTPS on HTTP/1.1 and HTTP/2; then --auto-tls.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Ca, type Leaf, makeCa, makeCrl, makeLeaf } from '../support/certs.js';
import { type CtlResult, MemberProcess, etcdctl, freePort } from './cluster-process.js';

type Who = 'root' | 'alice' | 'none' | 'stranger' | 'revoked';

interface Step {
  readonly as: Who;
  readonly user?: string;
  readonly args: readonly string[];
}

/** What is compared between etcd and Cairn: exit code, stdout, and the error line (not the retry logs). */
function outcome(r: CtlResult): string {
  const error = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
  return `code=${r.code}\n${r.stdout}${error.join('\n')}`;
}

const STEPS: readonly Step[] = [
  { as: 'root', args: ['put', 'k', 'v'] },
  { as: 'root', args: ['get', 'k'] },
  // Refused at the handshake: nothing changes (etcdctl gives up after its dial timeout).
  { as: 'none', args: ['put', 'k', 'no-certificate'] },
  { as: 'stranger', args: ['put', 'k', 'another-ca'] },
  { as: 'revoked', args: ['put', 'k', 'revoked'] },
  { as: 'root', args: ['get', 'k', '--print-value-only'] },
  { as: 'root', args: ['user', 'add', 'root:pw'] },
  { as: 'root', args: ['auth', 'enable'] },
  // With auth on, the certificate's common name is the user.
  { as: 'root', args: ['put', 'x', '1'] },
  { as: 'alice', args: ['put', 'x', '2'] },
  { as: 'root', args: ['user', 'add', 'alice', '--no-password'] },
  { as: 'root', args: ['role', 'add', 'rw-x'] },
  { as: 'root', args: ['role', 'grant-permission', 'rw-x', 'readwrite', 'x'] },
  { as: 'root', args: ['user', 'grant-role', 'alice', 'rw-x'] },
  { as: 'alice', args: ['put', 'x', '3'] },
  { as: 'alice', args: ['get', 'x', '--print-value-only'] },
  { as: 'alice', args: ['put', 'y', '1'] },
  { as: 'alice', user: 'alice:pw', args: ['get', 'x'] },
  // A token wins over the certificate; a wrong password is refused whatever the certificate.
  { as: 'alice', user: 'root:pw', args: ['put', 'y', '2'] },
  { as: 'alice', user: 'root:wrong', args: ['get', 'x'] },
  { as: 'root', args: ['role', 'revoke-permission', 'rw-x', 'x'] },
  { as: 'alice', args: ['get', 'x'] },
  { as: 'root', args: ['get', '', '--prefix'] },
];

interface Side {
  readonly member: MemberProcess;
  readonly https: string;
}

/** One HTTPS request on HTTP/1.1; status and body. */
function post1(url: string, ca: Ca, who: Leaf, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca: fs.readFileSync(ca.certFile), cert: fs.readFileSync(who.certFile), key: fs.readFileSync(who.keyFile), agent: false }, (res) => {
      let got = '';
      res.setEncoding('utf8').on('data', (s: string) => (got += s));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: got }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The same on HTTP/2 (what curl picks by ALPN). */
function post2(url: string, ca: Ca, who: Leaf, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const session = http2.connect(u.origin, { ca: fs.readFileSync(ca.certFile), cert: fs.readFileSync(who.certFile), key: fs.readFileSync(who.keyFile) });
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': u.pathname, 'content-type': 'application/json' });
    let status = 0;
    let got = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.setEncoding('utf8').on('data', (s: string) => (got += s));
    req.on('end', () => {
      session.close();
      resolve({ status, body: got });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The kvs of a gateway range answer (headers name each member's own ids). */
const kvsOf = (body: string): unknown => (JSON.parse(body) as { kvs?: unknown }).kvs;

describe('client TLS: etcdctl 3.4.23 against etcd and Cairn with the same certificates', () => {
  let ca: Ca;
  let other: Ca;
  const leaves = {} as Record<Who, Leaf | undefined> & { server: Leaf };
  const sides: Side[] = [];

  before(async () => {
    ca = makeCa();
    other = makeCa('other-ca');
    leaves.server = makeLeaf(ca, 'server');
    leaves.root = makeLeaf(ca, 'root');
    leaves.alice = makeLeaf(ca, 'alice');
    leaves.revoked = makeLeaf(ca, 'mallory');
    leaves.stranger = makeLeaf(other, 'root');
    leaves.none = undefined;
    const crl = makeCrl(ca, [leaves.revoked]);
    for (const kind of ['etcd', 'cairn'] as const) {
      const https = `https://127.0.0.1:${await freePort()}`;
      const flags = ['--cert-file', leaves.server.certFile, '--key-file', leaves.server.keyFile, '--trusted-ca-file', ca.certFile, '--client-cert-auth', '--client-crl-file', crl, '--bcrypt-cost', '4'];
      sides.push({ member: await MemberProcess.start(kind, { extraClientUrls: [https], extraArgs: flags }), https });
    }
  });
  after(async () => {
    for (const s of sides) await s.member.destroy();
    fs.rmSync(ca.dir, { recursive: true, force: true });
    fs.rmSync(other.dir, { recursive: true, force: true });
  });

  const ctl = (side: Side, step: Step): Promise<CtlResult> => {
    const leaf = leaves[step.as];
    return etcdctl([
      `--endpoints=${side.https}`, '--cacert', ca.certFile, '--dial-timeout', '2s',
      ...(leaf === undefined ? [] : ['--cert', leaf.certFile, '--key', leaf.keyFile]),
      ...(step.user === undefined ? [] : ['--user', step.user]),
      ...step.args,
    ]);
  };

  test('the gateway over HTTPS on HTTP/1.1 and HTTP/2, before auth: same keys, same status', async () => {
    const root = leaves.root;
    assert.ok(root !== undefined);
    for (const side of sides) assert.equal((await ctl(side, { as: 'root', args: ['put', 'g', 'w'] })).code, 0);
    const ask = { key: Buffer.from('g').toString('base64') };
    const got = [];
    for (const side of sides) {
      const h1 = await post1(`${side.https}/v3/kv/range`, ca, root, JSON.stringify(ask));
      const h2 = await post2(`${side.https}/v3/kv/range`, ca, root, JSON.stringify(ask));
      got.push({ h1: [h1.status, kvsOf(h1.body)], h2: [h2.status, kvsOf(h2.body)] });
    }
    assert.deepEqual(got[1], got[0]);
    assert.equal(got[0]?.h1[0], 200);
  });

  test('a plaintext request to the TLS port is closed without an answer on both', async () => {
    for (const side of sides) {
      const port = Number(new URL(side.https).port);
      const answer = await new Promise<string>((resolve) => {
        const sock = net.connect(port, '127.0.0.1', () => sock.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
        let got = '';
        sock.setEncoding('latin1').on('data', (d: string) => (got += d));
        sock.on('error', () => undefined);
        sock.on('close', () => resolve(got));
      });
      assert.equal(answer, '', `${side.member.kind} answered plaintext`);
    }
  });

  test(`${STEPS.length} etcdctl steps: certificates, common names as users, tokens, a revoke — same output`, async () => {
    const diffs: string[] = [];
    for (const [i, step] of STEPS.entries()) {
      const [onEtcd, onCairn] = [outcome(await ctl(sides[0] as Side, step)), outcome(await ctl(sides[1] as Side, step))];
      if (onEtcd !== onCairn) diffs.push(`step ${i} (${step.as}${step.user === undefined ? '' : ` --user ${step.user}`}: ${step.args.join(' ')}):\n  etcd:  ${JSON.stringify(onEtcd)}\n  cairn: ${JSON.stringify(onCairn)}`);
    }
    assert.deepEqual(diffs, []);
    // Sanity: the refusals were refusals and changed nothing.
    const final = await ctl(sides[1] as Side, { as: 'root', args: ['get', 'k', '--print-value-only'] });
    assert.equal(final.stdout, 'v\n');
  });

  test('with auth on, a gateway request with a named certificate gets the same 400 on both', async () => {
    const alice = leaves.alice;
    assert.ok(alice !== undefined);
    const answers = [];
    for (const side of sides) answers.push(await post1(`${side.https}/v3/kv/range`, ca, alice, '{"key":"eA=="}'));
    assert.deepEqual(answers[1], answers[0]);
    assert.equal(answers[0]?.status, 400);
  });
});

describe('--auto-tls on Cairn', () => {
  let member: MemberProcess | undefined;
  after(async () => member?.destroy());

  test('self-signed certificates in <data-dir>/fixtures, kept across a restart; etcdctl without verification', async () => {
    const clientUrl = `https://127.0.0.1:${await freePort()}`;
    member = await MemberProcess.start('cairn', { extraClientUrls: [clientUrl], extraArgs: ['--auto-tls'] });
    const m = member;
    const insecure = (args: readonly string[]): Promise<CtlResult> => etcdctl([`--endpoints=${clientUrl}`, '--insecure-skip-tls-verify', '--insecure-transport=false', ...args]);
    assert.equal((await insecure(['put', 'a', '1'])).stdout, 'OK\n');
    const verified = await etcdctl([`--endpoints=${clientUrl}`, '--insecure-transport=false', '--dial-timeout', '2s', 'get', 'a']);
    assert.notEqual(verified.code, 0, 'a self-signed certificate does not verify against the system CAs');
    const certFile = path.join(m.dataDir, 'fixtures', 'client', 'cert.pem');
    const before = new X509Certificate(fs.readFileSync(certFile));
    assert.match(before.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    await m.stop();
    await m.restart();
    assert.equal((await insecure(['get', 'a', '--print-value-only'])).stdout, '1\n');
    assert.equal(new X509Certificate(fs.readFileSync(certFile)).fingerprint256, before.fingerprint256);
  });

  test('an https client URL without a certificate stops both with etcd\'s words', async () => {
    for (const kind of ['etcd', 'cairn'] as const) {
      const https = `https://127.0.0.1:${await freePort()}`;
      const m = await MemberProcess.start(kind, { extraClientUrls: [https], noWait: true });
      try {
        const exit = await m.waitExit();
        assert.equal(exit.code, 1, `${kind} exit`);
        assert.match(m.stderrTail, new RegExp(`TLS key/cert \\(--cert-file, --key-file\\) must be provided for client url ${https} with HTTPS scheme`));
      } finally {
        await m.destroy();
      }
    }
  });
});
