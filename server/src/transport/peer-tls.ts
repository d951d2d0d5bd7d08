import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { TransportError } from './errors.js';

/**
 * Peer TLS (etcd's --peer-cert-file, --peer-key-file, --peer-trusted-ca-file,
 * --peer-client-cert-auth, --peer-cert-allowed-cn): the files are read when a connection is
 * made or accepted, so certificates replaced on disk are used without a restart.
 */
export interface PeerTlsOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA that signs the other members' certificates (both ways); empty: the system's. */
  readonly trustedCaFile?: string;
  /** Require a certificate signed by the trusted CA from members that connect. */
  readonly clientCertAuth?: boolean;
  /** The common name a connecting member's certificate must carry. */
  readonly allowedCn?: string;
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list; empty: Node's defaults. */
  readonly ciphers?: string;
}

/** Reads the certificate, key and CA now (a file that cannot be read is named). */
function material(t: PeerTlsOptions): { cert: Buffer; key: Buffer; ca?: Buffer } {
  const read = (what: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new TransportError(`cannot read peer ${what} ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  const out = { cert: read('certificate', t.certFile), key: read('key', t.keyFile) };
  return t.trustedCaFile === undefined || t.trustedCaFile === '' ? out : { ...out, ca: read('trusted CA', t.trustedCaFile) };
}

function common(t: PeerTlsOptions): { minVersion: 'TLSv1.2' | 'TLSv1.3'; ciphers?: string } {
  return t.ciphers === undefined || t.ciphers === '' ? { minVersion: t.minVersion ?? 'TLSv1.2' } : { minVersion: t.minVersion ?? 'TLSv1.2', ciphers: t.ciphers };
}

/** Dials a peer URL: h2c for http://, HTTP/2 over TLS with this member's certificate for https://. */
export function connectPeer(url: string, tls: PeerTlsOptions | undefined): http2.ClientHttp2Session {
  if (!url.startsWith('https:')) return http2.connect(url);
  if (tls === undefined) throw new TransportError(`peer URL ${url} is https but no peer certificate is configured (--peer-cert-file, --peer-key-file)`);
  return http2.connect(url, { ...material(tls), ...common(tls), ALPNProtocols: ['h2'] });
}

/** The server for one listen URL: h2c, or HTTP/2 over TLS whose certificates are re-read per connection. */
export function createPeerServer(https: boolean, tls: PeerTlsOptions | undefined, settings: http2.Settings): http2.Http2Server | http2.Http2SecureServer {
  if (!https) return http2.createServer({ settings });
  if (tls === undefined) throw new TransportError('an https peer listen URL needs --peer-cert-file and --peer-key-file');
  const verify = tls.clientCertAuth === true;
  const server = http2.createSecureServer({ ...material(tls), ...common(tls), settings, requestCert: verify, rejectUnauthorized: verify, ALPNProtocols: ['h2'] });
  // Certificates replaced on disk are picked up for the next connection.
  server.on('connection', () => {
    try {
      server.setSecureContext({ ...material(tls), ...common(tls) });
    } catch {
      // An unreadable file mid-rotation: keep the context that worked.
    }
  });
  if (tls.allowedCn !== undefined && tls.allowedCn !== '') {
    const cn = tls.allowedCn;
    server.on('secureConnection', (socket: TLSSocket) => {
      const subject = socket.getPeerCertificate().subject as { CN?: string | string[] } | undefined;
      const got = Array.isArray(subject?.CN) ? subject.CN : [subject?.CN];
      if (!got.includes(cn)) socket.destroy();
    });
  }
  return server;
}
