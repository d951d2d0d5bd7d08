// The records a robustness run hands to the validators: watch streams as the clients saw them,
// the KV history (shared with the linearizability checker) and the cluster's final state.
import type { Operation } from '../checker/history.js';

/** A key-value pair as a watch event or a range response carries it. */
export interface KvRecord {
  key: string;
  value: string;
  modRevision: number;
  createRevision: number;
  version: number;
  lease: number;
}

/** One watch event. For a DELETE, `modRevision` is the revision of the deletion, as in etcd. */
export interface WatchEventRecord extends KvRecord {
  type: 'PUT' | 'DELETE';
  prevKv?: KvRecord;
}

/** One response on a watch stream. A progress notification has no events and is neither created nor canceled. */
export interface WatchResponseRecord {
  time: number;
  headerRevision: number;
  events: WatchEventRecord[];
  compactRevision: number;
  canceled: boolean;
  created: boolean;
}

export type WatchFilter = 'NOPUT' | 'NODELETE';

/** What the client asked for. `rangeEnd` '' = the single key, '\0' = every key ≥ key, as in etcd. */
export interface WatchRequestRecord {
  key: string;
  rangeEnd: string;
  startRevision: number;
  prevKv: boolean;
  filters: WatchFilter[];
  progressNotify: boolean;
}

export interface WatchRecord {
  clientId: number;
  request: WatchRequestRecord;
  memberEndpoint: string;
  responses: WatchResponseRecord[];
  /** Why the watch ended; undefined = still open at the end of the run. */
  endedBy?: string;
}

export interface FinalState {
  revision: number;
  kvs: KvRecord[];
}

export interface ValidationInput {
  history: readonly Operation[];
  watches: readonly WatchRecord[];
  finalState?: FinalState;
  /** The highest compaction revision requested during the run. */
  compactedUpTo?: number;
}

/** A broken guarantee: `property` names it (ordered, unique, reliable, ...), `detail` says where. */
export interface Violation {
  property: string;
  detail: string;
}
