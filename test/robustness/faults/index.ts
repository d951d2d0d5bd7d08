// Every fault the campaign can inject, by kind.
export { compactDefragFault, replaceFault } from './admin-faults.js';
export type { Fault, FaultContext, Heal } from './fault.js';
export { clientLinkFault, isolateFault, peerLinkFault, snapshotBlackholeFault, splitFault } from './network-faults.js';
export { failpointFault, killFault, pauseFault } from './process-faults.js';
import { compactDefragFault, replaceFault } from './admin-faults.js';
import type { Fault } from './fault.js';
import { clientLinkFault, isolateFault, peerLinkFault, snapshotBlackholeFault, splitFault } from './network-faults.js';
import { failpointFault, killFault, pauseFault } from './process-faults.js';

export const ALL_FAULTS: readonly Fault[] = [
  killFault, pauseFault, failpointFault, isolateFault, splitFault, snapshotBlackholeFault, peerLinkFault, clientLinkFault,
  compactDefragFault, replaceFault,
];

/** Crash failpoints in Cairn (`grep -rn "failpoint('" server/src`); the failpoint fault arms one. */
export const CRASH_FAILPOINTS: readonly string[] = [
  'walBeforeWrite', 'walBeforeFsync', 'walAfterFsync', 'walBeforeCut', 'applyBeforeConsistentIndex', 'backendBeforeCommit',
  'backendAfterCommit', 'compactAfterBatch', 'compactBeforeFinish', 'snapBeforeSave', 'snapBeforeRename', 'snapAfterSave',
  'snapBeforeWalRelease', 'raftBeforeInstallSnapshot', 'raftAfterSnapshotSwap', 'defragBeforeRename', 'defragAfterRename',
];
