// A linearizability checker for histories recorded from a Cairn (or etcd) cluster.
export { checkHistory, partitionByKey } from './check.js';
export type { CheckOptions, CheckResult, CheckStats } from './check.js';
export { HistoryError } from './errors.js';
export { formatHistory, formatOperation } from './format.js';
export type { CasExpect, IndexedOperation, Input, Operation, Output, Value } from './history.js';
export { kvModel } from './kv-model.js';
export type { KeyState } from './kv-model.js';
export type { Model } from './model.js';
export { checkRevisionOrder } from './revision-order.js';
export type { RevisionViolation } from './revision-order.js';
export { searchLinearization } from './search.js';
export type { SearchResult } from './search.js';
export { shrinkFailing } from './shrink.js';
export type { ShrinkVerdict, ShrunkOperation } from './shrink.js';
