// Validators for a robustness run: watch guarantees and the final state, beside the
// linearizability checker in ../checker.
export { validateFinalState } from './final-state.js';
export { compareKeys, keyMatcher } from './key-range.js';
export type {
  FinalState, KvRecord, ValidationInput, Violation, WatchEventRecord, WatchFilter, WatchRecord,
  WatchRequestRecord, WatchResponseRecord,
} from './types.js';
export { validateWatches } from './validate-watches.js';
