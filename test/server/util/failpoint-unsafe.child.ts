// Child process for failpoint-unsafe.test.ts: starts a single member in argv[2], makes one
// durable write, then (with argv[3] = "unsafe") switches unsafeAckBeforeFsync on, makes a second
// write, prints its revision once acknowledged, and kills itself with SIGKILL at once.
import { writeSync } from 'node:fs';
import { EtcdServer } from '../../../server/src/etcdserver/index.js';
import { enableFailpoint } from '../../../server/src/util/index.js';
import { waitFor } from '../../support/wait-for.js';
import { memberConfig } from '../etcdserver/helpers.js';

const [dir, mode] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: failpoint-unsafe.child.js DIR [unsafe]');
const s = await EtcdServer.start(memberConfig(dir));
await waitFor(() => s.hasLeader(), 'the member to elect itself');
await s.put({ key: Buffer.from('before'), value: Buffer.from('durable') });
if (mode === 'unsafe') enableFailpoint('unsafeAckBeforeFsync', 'on');
const r = await s.put({ key: Buffer.from('k'), value: Buffer.from('acknowledged') });
writeSync(1, `acked ${r.header.revision}\n`);
process.kill(process.pid, 'SIGKILL');
