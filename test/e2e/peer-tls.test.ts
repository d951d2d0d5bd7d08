// Members talking over TLS on their peer links (etcd's --peer-cert-file, --peer-key-file,
// --peer-trusted-ca-file, --peer-client-cert-auth): a 3-member cluster on https:// peer URLs
// replicates; a member whose certificate another CA signed cannot join it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { makeCa, makeLeaf } from '../support/certs.js';
import { ClusterMember, type MemberSpec, agreedHashKV, agreedLeader, initialCluster, memberSpecs } from './cluster-harness.js';
import { freePort } from './cluster-process.js';

describe('peer TLS between real processes', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-e2e-peertls-'));
  const ca = makeCa('peer-ca');
  const other = makeCa('other-ca');
  const members: ClusterMember[] = [];
  after(async () => {
    for (const m of members) await m.kill();
    for (const d of [work, ca.dir, other.dir]) fs.rmSync(d, { recursive: true, force: true });
  });

  test('three members on https peer URLs replicate; a certificate of another CA cannot join', async () => {
    const specs: MemberSpec[] = (await memberSpecs(3, 1, 't')).map((s) => ({ ...s, peer: s.peer.replace('http:', 'https:') }));
    const tlsArgs = (certFile: string, keyFile: string): string[] => [
      '--peer-cert-file', certFile, '--peer-key-file', keyFile, '--peer-trusted-ca-file', ca.certFile, '--peer-client-cert-auth',
    ];
    for (const s of specs) {
      const leaf = makeLeaf(ca, s.name);
      members.push(new ClusterMember(s, path.join(work, s.name), { initialCluster: initialCluster(specs), extraArgs: tlsArgs(leaf.certFile, leaf.keyFile) }));
    }
    for (const m of members) m.start();
    await agreedLeader(members);
    const [m1, m2, m3] = members as [ClusterMember, ClusterMember, ClusterMember];
    await m1.ctl(['put', 'over', 'tls']);
    assert.equal(await m3.ctl(['get', 'over', '--print-value-only']), 'tls\n');
    await agreedHashKV(members);

    // A fourth member, added properly but holding a certificate of another CA: the others do not
    // answer it, so it cannot even learn the cluster, and says so.
    const s4: MemberSpec = { name: 't4', client: `http://127.0.0.4:${await freePort()}`, peer: `https://127.0.0.4:${await freePort()}` };
    const added = await m2.ctl(['member', 'add', s4.name, `--peer-urls=${s4.peer}`, '--learner']);
    const cluster = /^ETCD_INITIAL_CLUSTER="([^"]*)"$/m.exec(added)?.[1] ?? '';
    const stranger = makeLeaf(other, 't4');
    const m4 = new ClusterMember(s4, path.join(work, 't4'), { initialCluster: cluster, state: 'existing', extraArgs: [...tlsArgs(stranger.certFile, stranger.keyFile)] });
    members.push(m4);
    m4.start();
    const exit = await m4.waitExit();
    assert.equal(exit.code, 1);
    assert.match(m4.log, /cannot fetch cluster info from peer urls: could not retrieve cluster information from the given URLs/);
  });
});
