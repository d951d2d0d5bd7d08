import type http from 'node:http';
import type { Http2Server } from 'node:http2';
import net from 'node:net';

/** The first bytes of every HTTP/2 connection with prior knowledge (h2c, as gRPC clients speak). */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export interface MuxListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * One cleartext port for gRPC and plain HTTP, as etcd serves its client port (cmux): each
 * connection is told apart by its first bytes — the HTTP/2 preface goes to the HTTP/2 (gRPC)
 * server, anything else to the HTTP/1.1 server (curl, Prometheus, the JSON gateway). Node's
 * h2c server cannot fall back to HTTP/1.1 by itself.
 */
export function listenMux(host: string, port: number, h2: Http2Server, h1: http.Server): Promise<MuxListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    route(socket, h2, h1);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address() as net.AddressInfo;
      resolve({
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // HTTP/1.1 keep-alive connections would hold the close; gRPC sessions are closed by GrpcServer.
            for (const s of sockets) if (!(s as { h2?: boolean }).h2) s.destroy();
          }),
      });
    });
  });
}

/** An HTTP/1.x request line: method token, target, version (what cmux's HTTP/1 matcher accepts). */
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^ ]+ HTTP\/1\.\d$/;
/** Bytes read while looking for the end of the first line before the connection is given up. */
const MAX_FIRST_LINE = 4096;

/** What the first bytes of a connection say it is; undefined while they cannot tell yet. */
function classify(seen: Buffer): 'h2' | 'h1' | 'neither' | undefined {
  const n = Math.min(seen.length, H2_PREFACE.length);
  if (seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return seen.length < H2_PREFACE.length ? undefined : 'h2';
  const eol = seen.indexOf(0x0a);
  if (eol < 0) return seen.length >= MAX_FIRST_LINE ? 'neither' : undefined;
  const line = seen.subarray(0, eol).toString('latin1').replace(/\r$/, '');
  return REQUEST_LINE.test(line) ? 'h1' : 'neither';
}

/**
 * Routes a connection by its first bytes, as etcd's cmux does: the HTTP/2 preface to gRPC, an
 * HTTP/1.x request line to the HTTP/1.1 server; anything else is neither, and etcd closes such a
 * connection without a word, so Cairn does too.
 */
function route(socket: net.Socket, h2: Http2Server, h1: http.Server): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    const kind = classify(seen);
    if (kind === undefined) return;
    socket.off('data', onData);
    if (kind === 'neither') {
      socket.destroy();
      return;
    }
    socket.pause();
    socket.unshift(seen);
    if (kind === 'h2') {
      // The HTTP/2 session takes the bytes already read from the socket's buffer, then reads the
      // socket's handle itself: the JavaScript side of the socket must not be resumed.
      (socket as { h2?: boolean }).h2 = true;
      h2.emit('connection', socket);
    } else {
      h1.emit('connection', socket);
      socket.resume();
    }
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}

/** The answer Go's HTTP server gives a malformed HTTP/1.1 request (etcd's client port), then close. */
export const GO_BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request';

/** Makes an HTTP/1.1 server answer malformed requests as Go's does (node's default omits the body). */
export function answerBadRequestsAsGo(h1: http.Server): void {
  h1.on('clientError', (_err, socket: net.Socket) => {
    if (socket.writable) socket.end(GO_BAD_REQUEST);
    else socket.destroy();
  });
}
