import http2 from 'node:http2';
import { type TLSSocket, checkServerIdentity } from 'node:tls';
import { type TlsOptions, TlsFiles, commonNames, readTlsMaterial, tlsProtocolOptions } from '../util/index.js';
import { TransportError } from './errors.js';

/**
 * Peer TLS (etcd's --peer-cert-file, --peer-key-file, --peer-trusted-ca-file,
 * --peer-client-cert-auth, --peer-crl-file, --peer-cert-allowed-cn, --peer-cert-allowed-hostname;
 * --peer-auto-tls arrives here as a generated certificate with `skipVerify`). The files are read
 * when a connection is made or accepted, so certificates replaced on disk are used without a
 * restart.
 */
export interface PeerTlsOptions extends TlsOptions {
  /** The common name a connecting member's certificate must carry. */
  readonly allowedCn?: string;
  /** A name (DNS or IP) a connecting member's certificate must be valid for. */
  readonly allowedHostname?: string;
}

/** Dials a peer URL: h2c for http://, HTTP/2 over TLS with this member's certificate for https://. */
export function connectPeer(url: string, tls: PeerTlsOptions | undefined): http2.ClientHttp2Session {
  if (!url.startsWith('https:')) return http2.connect(url);
  if (tls === undefined) throw new TransportError(`peer URL ${url} is https but no peer certificate is configured (--peer-cert-file, --peer-key-file)`);
  return http2.connect(url, { ...readTlsMaterial(tls, 'peer'), ...tlsProtocolOptions(tls), ALPNProtocols: ['h2'], ...(tls.skipVerify === true ? { rejectUnauthorized: false } : {}) });
}

/** The server for one listen URL: h2c, or HTTP/2 over TLS whose certificates are re-read per connection. */
export function createPeerServer(https: boolean, tls: PeerTlsOptions | undefined, settings: http2.Settings): http2.Http2Server | http2.Http2SecureServer {
  if (!https) return http2.createServer({ settings });
  if (tls === undefined) throw new TransportError('an https peer listen URL needs --peer-cert-file and --peer-key-file');
  const verify = tls.clientCertAuth === true;
  const files = new TlsFiles(tls, 'peer');
  const server = http2.createSecureServer({ ...files.current().options, settings, requestCert: verify, rejectUnauthorized: verify, ALPNProtocols: ['h2'] });
  // Certificates replaced on disk are picked up for the next connection.
  files.keepReloaded(server);
  const refuse = peerIdentityCheck(tls);
  if (refuse !== undefined) {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (refuse(socket)) socket.destroy();
    });
  }
  return server;
}

/** A check of the connecting member's certificate against --peer-cert-allowed-cn/-hostname; undefined: none. */
function peerIdentityCheck(tls: PeerTlsOptions): ((socket: TLSSocket) => boolean) | undefined {
  const cn = tls.allowedCn ?? '';
  const host = tls.allowedHostname ?? '';
  if (cn === '' && host === '') return undefined;
  return (socket) => {
    const cert = socket.getPeerCertificate();
    if (cn !== '' && !commonNames(cert).includes(cn)) return true;
    return host !== '' && checkServerIdentity(host, cert) !== undefined;
  };
}
