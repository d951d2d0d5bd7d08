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

function route(socket: net.Socket, h2: Http2Server, h1: http.Server): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isH2 && seen.length < H2_PREFACE.length) return; // wait for the whole preface
    socket.off('data', onData);
    socket.pause();
    socket.unshift(seen);
    if (isH2) {
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
