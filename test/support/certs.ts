// Certificates for TLS tests, made with the openssl command line: a CA, and leaf certificates it
// signs (server and client use, for 127.0.0.1 and localhost, with a chosen common name).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Ca {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface Leaf {
  readonly certFile: string;
  readonly keyFile: string;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', [...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A new CA in its own temp dir (remove `dir` when done). */
export function makeCa(name = 'test-ca'): Ca {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-certs-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${name}`], dir);
  return { dir, certFile: path.join(dir, 'ca.crt'), keyFile: path.join(dir, 'ca.key') };
}

/** A certificate signed by `ca` for 127.0.0.1/localhost with common name `cn`, good for server and client use. */
export function makeLeaf(ca: Ca, cn: string): Leaf {
  const base = path.join(ca.dir, cn.replace(/[^a-z0-9-]/gi, '_'));
  const ext = `${base}.ext`;
  fs.writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.3,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${cn}`], ca.dir);
  openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', `${base}.crt`, '-days', '2', '-extfile', ext], ca.dir);
  return { certFile: `${base}.crt`, keyFile: `${base}.key` };
}

/** A CRL signed by `ca` listing `revoked` (an empty list makes a valid CRL that revokes nothing). */
export function makeCrl(ca: Ca, revoked: readonly Leaf[]): string {
  const cnf = path.join(ca.dir, 'ca.cnf');
  const db = path.join(ca.dir, 'index.txt');
  fs.writeFileSync(db, '');
  fs.writeFileSync(path.join(ca.dir, 'crlnumber'), '01\n');
  fs.writeFileSync(
    cnf,
    ['[ca]', 'default_ca = ca_default', '[ca_default]', `database = ${db}`, `crlnumber = ${path.join(ca.dir, 'crlnumber')}`, 'default_md = sha256', 'default_crl_days = 2', `certificate = ${ca.certFile}`, `private_key = ${ca.keyFile}`, ''].join('\n'),
  );
  for (const leaf of revoked) openssl(['ca', '-config', cnf, '-revoke', leaf.certFile], ca.dir);
  const crl = path.join(ca.dir, `crl-${fs.readdirSync(ca.dir).length}.pem`);
  openssl(['ca', '-config', cnf, '-gencrl', '-out', crl], ca.dir);
  return crl;
}
