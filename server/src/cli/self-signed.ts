import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import forge from 'node-forge';
import { fsyncDir } from '../util/index.js';
import { ConfigError } from './errors.js';

/** Where a generated certificate and its key live. */
export interface SelfSignedFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * etcd's --auto-tls and --peer-auto-tls: a self-signed certificate for the hosts of the listen
 * URLs, kept in `dir` (`<data-dir>/fixtures/client` or `.../peer`) as cert.pem and key.pem. A
 * pair already there is used as it is, so a restarted member keeps its certificate (and clients
 * that pinned it keep working). The key is RSA 2048 made by Node's own crypto; the certificate
 * is signed with SHA-256 (node-forge builds it: Node can sign but not assemble certificates).
 */
export function selfSignedCert(dir: string, hosts: readonly string[], validityYears: number): SelfSignedFiles {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) return { certFile, keyFile };
  if (validityYears < 1) throw new ConfigError(`--self-signed-cert-validity must be at least 1 year, got ${validityYears}`);
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // A positive serial: 16 random bytes with the top bit cleared.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date();
  cert.validity.notAfter = new Date(Date.now() + validityYears * 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'organizationName', value: 'cairn' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: sanOf(hosts) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  // forge ends PEM lines with CRLF; OpenSSL's tools and etcd's files use LF.
  fs.writeFileSync(certFile, forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), { mode: 0o644 });
  fsyncDir(dir);
  return { certFile, keyFile };
}

/** Subject alternative names: IP addresses as IPs (type 7), everything else as DNS names (type 2). */
function sanOf(hosts: readonly string[]): { type: number; value?: string; ip?: string }[] {
  const unique = [...new Set(hosts.filter((h) => h !== ''))];
  return unique.map((h) => (net.isIP(h) !== 0 ? { type: 7, ip: h } : { type: 2, value: h }));
}
