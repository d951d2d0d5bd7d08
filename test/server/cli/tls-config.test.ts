// TLS settings at startup: etcd's refusals and warnings, Go cipher names to OpenSSL's, versions,
// and the self-signed certificates of --auto-tls / --peer-auto-tls.
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { opensslCipherList } from '../../../server/src/cli/cipher-suites.js';
import { type MemberConfig, type Warning, loadConfig } from '../../../server/src/cli/index.js';
import { selfSignedCert } from '../../../server/src/cli/self-signed.js';
import { clientTlsOf, peerTlsOf } from '../../../server/src/cli/tls-config.js';

function load(argv: string[]): { config: MemberConfig; warnings: readonly Warning[] } {
  const loaded = loadConfig(argv, {});
  if (loaded.kind !== 'serve') throw new Error(`expected serve, got ${loaded.kind}`);
  return { config: loaded.config, warnings: loaded.warnings };
}

const HTTPS_CLIENT = ['--listen-client-urls', 'https://127.0.0.1:2379', '--advertise-client-urls', 'https://127.0.0.1:2379'];

describe('TLS settings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-tls-config-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an https URL without a certificate is refused with etcd\'s words; --auto-tls makes one', () => {
    assert.throws(() => load(HTTPS_CLIENT), { name: 'ConfigError', message: 'TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2379 with HTTPS scheme' });
    assert.throws(() => load(['--listen-peer-urls', 'https://127.0.0.1:2380', '--initial-advertise-peer-urls', 'https://127.0.0.1:2380', '--initial-cluster', 'default=https://127.0.0.1:2380']), {
      message: 'TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url https://127.0.0.1:2380 with HTTPS scheme',
    });
    assert.equal(load([...HTTPS_CLIENT, '--auto-tls']).config.clientTls.autoTls, true);
    assert.throws(() => load(['--cert-file', '/c.pem']), { message: '--key-file is required with --cert-file' });
    assert.throws(() => load(['--peer-key-file', '/p.key']), { message: '--peer-cert-file is required with --peer-key-file' });
  });

  test('certificates with http URLs, and auto TLS with certificates, are warned about and ignored', () => {
    const { warnings } = load(['--cert-file', '/c.pem', '--key-file', '/c.key', '--auto-tls']);
    const msgs = warnings.map((w) => w.msg);
    assert.ok(msgs.includes('scheme is HTTP while key and cert files are present; ignoring key and cert files'), msgs.join('; '));
    assert.ok(msgs.includes('ignoring client auto TLS since certs given'), msgs.join('; '));
  });

  test('cipher suites by Go\'s names; unknown ones refused as etcd refuses them; versions checked', () => {
    assert.equal(opensslCipherList([]), undefined);
    assert.equal(
      opensslCipherList(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305']),
      'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305',
    );
    assert.throws(() => load(['--cipher-suites', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,FOO']), { message: 'unexpected TLS cipher suite "FOO"' });
    // RC4 has a Go name but no cipher in OpenSSL 3: named, not silently dropped.
    assert.throws(() => load(['--cipher-suites', 'TLS_RSA_WITH_RC4_128_SHA']), /--cipher-suites TLS_RSA_WITH_RC4_128_SHA: not available/);
    assert.throws(() => load(['--tls-min-version', 'TLS1.3', '--cipher-suites', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']), {
      message: 'cipher suites cannot be configured when only TLS1.3 or greater is supported',
    });
    assert.throws(() => load(['--tls-min-version', 'TLS1.3', '--tls-max-version', 'TLS1.2']), { message: 'min version (TLS1.3) is greater than max version (TLS1.2)' });
    assert.throws(() => load(['--tls-min-version', 'TLS1.1']), /TLS1\.1/);
  });

  test('client and peer options carry the files, versions and ciphers; auto TLS skips peer verification', () => {
    const data = path.join(dir, 'member');
    const { config } = load([
      ...HTTPS_CLIENT, '--data-dir', data, '--cert-file', '/c.pem', '--key-file', '/c.key', '--trusted-ca-file', '/ca.pem', '--client-cert-auth', '--client-crl-file', '/crl.pem',
      '--tls-min-version', 'TLS1.2', '--tls-max-version', 'TLS1.3', '--cipher-suites', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      '--peer-auto-tls', '--listen-peer-urls', 'https://127.0.0.1:2380', '--initial-advertise-peer-urls', 'https://127.0.0.1:2380', '--initial-cluster', 'default=https://127.0.0.1:2380',
    ]);
    const client = clientTlsOf(config);
    assert.deepEqual(client, {
      certFile: '/c.pem', keyFile: '/c.key', trustedCaFile: '/ca.pem', clientCertAuth: true, crlFile: '/crl.pem', allowedHostname: '',
      minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256',
    });
    const peer = peerTlsOf(config);
    assert.equal(peer?.certFile, path.join(data, 'fixtures', 'peer', 'cert.pem'));
    assert.equal(peer?.skipVerify, true);
    assert.equal(peerTlsOf(load([]).config), undefined);
  });

  test('a self-signed certificate names the hosts, lasts the years asked, and is kept across restarts', () => {
    const where = path.join(dir, 'fixtures', 'client');
    const files = selfSignedCert(where, ['127.0.0.1', 'localhost', 'member-0.example'], 2);
    const cert = new X509Certificate(fs.readFileSync(files.certFile));
    assert.equal(cert.subjectAltName, 'IP Address:127.0.0.1, DNS:localhost, DNS:member-0.example');
    assert.ok(cert.checkPrivateKey(createPrivateKey(fs.readFileSync(files.keyFile))));
    const years = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (365 * 24 * 3600 * 1000);
    assert.ok(years > 1.99 && years < 2.01, `valid for ${years} years`);
    assert.equal(fs.statSync(files.keyFile).mode & 0o777, 0o600);
    const again = selfSignedCert(where, ['127.0.0.1'], 1);
    assert.equal(new X509Certificate(fs.readFileSync(again.certFile)).fingerprint256, cert.fingerprint256, 'the pair on disk is used as it is');
    assert.doesNotMatch(fs.readFileSync(files.certFile, 'utf8'), /\r/);
    assert.throws(() => selfSignedCert(path.join(dir, 'zero'), ['a'], 0), /at least 1 year/);
  });
});
