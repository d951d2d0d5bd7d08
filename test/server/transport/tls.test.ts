import assert from 'node:assert/strict';
import fs from 'node:fs';
import http2 from 'node:http2';
import { after, describe, test } from 'node:test';
import { MessageType } from '../../../server/src/raft/index.js';
import { type PeerTlsOptions, fetchCluster } from '../../../server/src/transport/index.js';
import { selfSignedCert } from '../../../server/src/cli/self-signed.js';
import { makeCa, makeLeaf } from '../../support/certs.js';
import { messageOfType, startMember, waitFor } from './helpers.js';

describe('peer TLS', () => {
  const ca = makeCa('cluster-ca');
  const other = makeCa('another-ca');
  after(() => {
    fs.rmSync(ca.dir, { recursive: true, force: true });
    fs.rmSync(other.dir, { recursive: true, force: true });
  });
  const tlsOf = (cn: string, over: Partial<PeerTlsOptions> = {}): PeerTlsOptions => ({ ...makeLeaf(ca, cn), trustedCaFile: ca.certFile, clientCertAuth: true, ...over });
  const https = { listenUrls: ['https://127.0.0.1:0'] };

  test('members with certificates of the cluster CA exchange messages over TLS; /members too', async () => {
    const a = await startMember(1n, { ...https, tls: tlsOf('m1') });
    const b = await startMember(2n, { ...https, tls: tlsOf('m2') });
    try {
      assert.match(b.url(), /^https:\/\/127\.0\.0\.1:\d+$/);
      a.transport.addPeer(b.id, [b.url()]);
      await waitFor('a message over TLS', () => {
        if (a.transport.activePeers() === 1) a.transport.send([messageOfType(MessageType.MsgHeartbeat, 1n, 2n, 1)]);
        return b.handler.from(1n).length > 0;
      });
      await assert.rejects(fetchCluster([b.url()], 2000), /could not retrieve cluster information/, 'no certificate: refused');
    } finally {
      await Promise.all([a.transport.close(), b.transport.close()]);
    }
  });

  test('a member with a certificate of another CA, or none, or a wrong common name, cannot get in', async () => {
    const b = await startMember(2n, { ...https, tls: tlsOf('m2', { allowedCn: 'member' }) });
    const stranger = makeLeaf(other, 'member');
    const a = await startMember(1n, { ...https, tls: { ...stranger, trustedCaFile: ca.certFile } });
    const wrongCn = await startMember(3n, { ...https, tls: tlsOf('intruder') });
    const rightCn = await startMember(4n, { ...https, tls: tlsOf('member') });
    try {
      for (const m of [a, wrongCn, rightCn]) m.transport.addPeer(b.id, [b.url()]);
      await waitFor('the member with the allowed common name to connect', () => rightCn.transport.activePeers() === 1);
      assert.equal(a.transport.activePeers(), 0, 'another CA');
      assert.equal(wrongCn.transport.activePeers(), 0, 'a common name not allowed');
      // Plain HTTP/2 to the TLS port gets nowhere either.
      const plain = http2.connect(b.url().replace('https:', 'http:'));
      const failed = await new Promise<boolean>((resolve) => {
        plain.on('error', () => resolve(true));
        const req = plain.request({ ':path': '/raft/probe' });
        req.on('error', () => resolve(true));
        req.on('close', () => resolve(true));
        req.on('response', () => resolve(false));
        req.end();
      });
      plain.destroy();
      assert.equal(failed, true);
    } finally {
      await Promise.all([a, b, wrongCn, rightCn].map((m) => m.transport.close()));
    }
  });

  test('certificates replaced on disk are used for the next connections, without a restart', async () => {
    const first = tlsOf('m2');
    const b = await startMember(2n, { ...https, tls: first });
    const fresh = makeLeaf(ca, 'm2-renewed');
    try {
      fs.copyFileSync(fresh.certFile, first.certFile);
      fs.copyFileSync(fresh.keyFile, first.keyFile);
      const cnOf = async (): Promise<string> => {
        const { connect } = await import('node:tls');
        const u = new URL(b.url());
        return new Promise((resolve, reject) => {
          const s = connect({ host: u.hostname, port: Number(u.port), ca: fs.readFileSync(ca.certFile), ALPNProtocols: ['h2'], ...{ cert: fs.readFileSync(first.certFile), key: fs.readFileSync(first.keyFile) } }, () => {
            const cn = String((s.getPeerCertificate().subject as { CN?: string }).CN);
            s.destroy();
            resolve(cn);
          });
          s.on('error', reject);
        });
      };
      // The very next connection: the files are looked at before Node makes the TLS socket.
      assert.equal(await cnOf(), 'm2-renewed');
    } finally {
      await b.transport.close();
    }
  });

  test('--peer-auto-tls: members with self-signed certificates talk without verifying each other', async () => {
    const own = (name: string): PeerTlsOptions => ({ ...selfSignedCert(`${ca.dir}/auto-${name}`, ['127.0.0.1'], 1), skipVerify: true });
    const a = await startMember(1n, { ...https, tls: own('a') });
    const b = await startMember(2n, { ...https, tls: own('b') });
    const strict = await startMember(3n, { ...https, tls: { ...own('c'), skipVerify: false } });
    try {
      a.transport.addPeer(b.id, [b.url()]);
      strict.transport.addPeer(b.id, [b.url()]);
      await waitFor('a message between self-signed members', () => {
        if (a.transport.activePeers() === 1) a.transport.send([messageOfType(MessageType.MsgHeartbeat, 1n, 2n, 1)]);
        return b.handler.from(1n).length > 0;
      });
      assert.equal(strict.transport.activePeers(), 0, 'a member that verifies does not accept a self-signed certificate');
    } finally {
      await Promise.all([a, b, strict].map((m) => m.transport.close()));
    }
  });
});
