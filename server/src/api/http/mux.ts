import type http from 'node:http';
import type { Http2Server } from 'node:http2';
import net from 'node:net';
import { fixFirstAuthority } from './authority-fix.js';

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
    track(sockets, socket);
    routeConnection(socket, h2, h1);
  });
  return listenTracked(server, host, port, sockets);
}

/** Remembers an open connection until it closes (for closing a listener's HTTP/1.1 ones). */
export function track(sockets: Set<net.Socket>, socket: net.Socket): void {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
}

/** Listens; close() stops listening and cuts the HTTP/1.1 connections among `sockets`. */
export function listenTracked(server: net.Server, host: string, port: number, sockets: Set<net.Socket>): Promise<MuxListener> {
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
/** How long an HTTP/2 connection is held for its first HEADERS frame, and how many bytes at most. */
const FIRST_HEADERS_WAIT_MS = 20;
const MAX_FIRST_HEADERS = 64 * 1024;
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
 * connection without a word, so Cairn does too. A TLS connection comes here decrypted.
 */
export function routeConnection(socket: net.Socket, h2: Http2Server, h1: http.Server): void {
  let seen: Buffer = Buffer.alloc(0);
  let timer: NodeJS.Timeout | undefined;
  let settingsSent = false;
  let acked = false;
  const handOver = (kind: 'h1' | 'h2'): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.pause();
    socket.unshift(seen);
    if (kind === 'h2') {
      // The HTTP/2 session takes the bytes already read from the socket's buffer, then reads the
      // socket's handle itself: the JavaScript side of the socket must not be resumed.
      (socket as { h2?: boolean }).h2 = true;
      // Node's HTTP/2 server refuses a TLS connection whose ALPN did not pick h2; a client that
      // speaks HTTP/2 over TLS without ALPN (prior knowledge) is served all the same.
      const alpn = socket as { alpnProtocol?: string | false };
      if (alpn.alpnProtocol !== undefined) alpn.alpnProtocol = 'h2';
      h2.emit('connection', socket);
    } else {
      h1.emit('connection', socket);
      socket.resume();
    }
  };
  const onData = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    const kind = classify(seen);
    if (kind === undefined) return;
    if (kind === 'neither') {
      socket.off('data', onData);
      socket.destroy();
      return;
    }
    if (kind === 'h1') return handOver('h1');
    // HTTP/2: the first request's :authority may need fixing (authority-fix.ts), but grpc-go
    // sends it only after the server's SETTINGS. So the mux sends an empty SETTINGS frame as the
    // server's preface, takes the client's acknowledgement of it out of the stream (the HTTP/2
    // server never sent that frame), and hands over once the first HEADERS frame is seen.
    if (!settingsSent) {
      settingsSent = true;
      socket.write(EMPTY_SETTINGS);
      timer = setTimeout(() => handOver('h2'), ACK_WAIT_MS);
    }
    if (!acked) {
      const stripped = stripFirstSettingsAck(seen);
      if (stripped === undefined) return;
      acked = true;
      seen = stripped;
      clearTimeout(timer);
      timer = setTimeout(() => handOver('h2'), FIRST_HEADERS_WAIT_MS);
    }
    if (fixFirstAuthority(seen) === 'done' || seen.length > MAX_FIRST_HEADERS) handOver('h2');
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  socket.on('close', () => clearTimeout(timer));
}

/** A SETTINGS frame with no parameters, and the client's acknowledgement of one. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const SETTINGS_ACK = Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]);
/** How long the mux waits for the client to acknowledge its SETTINGS (a client that does not is broken anyway). */
const ACK_WAIT_MS = 2000;

/**
 * The bytes with the client's first SETTINGS acknowledgement after the preface removed, or
 * undefined while it has not arrived (frames are walked whole; an incomplete one waits).
 */
function stripFirstSettingsAck(buf: Buffer): Buffer | undefined {
  let at = H2_PREFACE.length;
  while (buf.length >= at + 9) {
    const len = buf.readUIntBE(at, 3);
    if (buf.length < at + 9 + len) return undefined;
    if (len === 0 && buf.subarray(at, at + 9).equals(SETTINGS_ACK)) return Buffer.concat([buf.subarray(0, at), buf.subarray(at + 9)]);
    at += 9 + len;
  }
  return undefined;
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
