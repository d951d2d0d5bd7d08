import path from 'node:path';
import tls from 'node:tls';
import type { ClientTlsOptions } from '../api/http/client-tls.js';
import type { PeerTlsOptions } from '../transport/index.js';
import { opensslCipherList } from './cipher-suites.js';
import { ConfigError } from './errors.js';
import type { MemberConfig, TlsSettings, Warning } from './member-config.js';
import { selfSignedCert } from './self-signed.js';

const NODE_VERSION = { 'TLS1.2': 'TLSv1.2', 'TLS1.3': 'TLSv1.3' } as const;

const isHttps = (url: string): boolean => /^(https|unixs):/.test(url);
const hasCert = (t: TlsSettings): boolean => t.certFile !== '' || t.keyFile !== '';

/** Startup checks of the TLS settings, with etcd's words where etcd has them. */
export function validateTls(c: MemberConfig, warnings: Warning[]): void {
  side(c.clientTls, c.listenClientUrls, 'client', '--cert-file, --key-file', warnings);
  side(c.peerTls, c.listenPeerUrls, 'peer', '--peer-cert-file, --peer-key-file', warnings);
  if (c.tlsMaxVersion !== '' && c.tlsMinVersion === 'TLS1.3' && c.tlsMaxVersion === 'TLS1.2') {
    throw new ConfigError(`min version (${c.tlsMinVersion}) is greater than max version (${c.tlsMaxVersion})`);
  }
  if (c.cipherSuites.length > 0 && c.tlsMinVersion === 'TLS1.3') {
    throw new ConfigError('cipher suites cannot be configured when only TLS1.3 or greater is supported');
  }
  const ciphers = opensslCipherList(c.cipherSuites);
  if (ciphers !== undefined) {
    try {
      tls.createSecureContext({ ciphers });
    } catch (err) {
      throw new ConfigError(`--cipher-suites ${c.cipherSuites.join(',')}: not available in this build's OpenSSL (${(err as Error).message})`);
    }
  }
}

function side(t: TlsSettings, urls: readonly string[], which: 'client' | 'peer', flags: string, warnings: Warning[]): void {
  if (t.certFile !== '' && t.keyFile === '') throw new ConfigError(`--${which === 'peer' ? 'peer-' : ''}key-file is required with --${which === 'peer' ? 'peer-' : ''}cert-file`);
  if (t.keyFile !== '' && t.certFile === '') throw new ConfigError(`--${which === 'peer' ? 'peer-' : ''}cert-file is required with --${which === 'peer' ? 'peer-' : ''}key-file`);
  for (const url of urls) {
    if (isHttps(url) && !hasCert(t) && !t.autoTls) throw new ConfigError(`TLS key/cert (${flags}) must be provided for ${which} url ${url} with HTTPS scheme`);
    if (!isHttps(url) && hasCert(t)) warnings.push({ level: 'warn', msg: 'scheme is HTTP while key and cert files are present; ignoring key and cert files', fields: { [`${which}-url`]: url } });
  }
  if (t.autoTls && hasCert(t)) warnings.push({ level: 'warn', msg: `ignoring ${which} auto TLS since certs given`, fields: {} });
}

/** Versions and ciphers for either side. */
function protocol(c: MemberConfig): Pick<ClientTlsOptions, 'minVersion' | 'maxVersion' | 'ciphers'> {
  const ciphers = opensslCipherList(c.cipherSuites);
  return {
    minVersion: NODE_VERSION[c.tlsMinVersion],
    ...(c.tlsMaxVersion === '' ? {} : { maxVersion: NODE_VERSION[c.tlsMaxVersion] }),
    ...(ciphers === undefined ? {} : { ciphers }),
  };
}

/** The certificate files of one side: given, generated for --auto-tls, or none. */
function certificate(t: TlsSettings, c: MemberConfig, which: 'client' | 'peer', urls: readonly string[]): { certFile: string; keyFile: string; generated: boolean } | undefined {
  if (hasCert(t)) return { certFile: t.certFile, keyFile: t.keyFile, generated: false };
  if (!t.autoTls) return undefined;
  const hosts = urls.map((u) => new URL(u).hostname.replace(/^\[|\]$/g, ''));
  return { ...selfSignedCert(path.join(c.dataDir, 'fixtures', which), hosts, c.selfSignedCertValidityYears), generated: true };
}

/** What both sides take from their flags, with the certificate resolved. */
function common(t: TlsSettings, cert: { certFile: string; keyFile: string }, c: MemberConfig): ClientTlsOptions {
  return {
    certFile: cert.certFile,
    keyFile: cert.keyFile,
    trustedCaFile: t.trustedCaFile,
    clientCertAuth: t.clientCertAuth,
    crlFile: t.crlFile,
    allowedHostname: t.allowedHostname,
    ...protocol(c),
  };
}

/** Client TLS for https client URLs (a self-signed certificate is made for --auto-tls); none without. */
export function clientTlsOf(c: MemberConfig): ClientTlsOptions | undefined {
  const cert = certificate(c.clientTls, c, 'client', c.listenClientUrls);
  return cert === undefined ? undefined : common(c.clientTls, cert, c);
}

/**
 * Peer TLS from --peer-cert-file and friends, or a self-signed certificate for --peer-auto-tls
 * (then other members' certificates are not verified, as etcd does: each made its own).
 */
export function peerTlsOf(c: MemberConfig): PeerTlsOptions | undefined {
  const cert = certificate(c.peerTls, c, 'peer', c.listenPeerUrls);
  if (cert === undefined) return undefined;
  return { ...common(c.peerTls, cert, c), allowedCn: c.peerTls.allowedCn, ...(cert.generated ? { skipVerify: true } : {}) };
}
