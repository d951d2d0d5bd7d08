// The sequential specification the search runs against, kept generic so the search does not
// know about keys or revisions.
import type { Operation } from './history.js';

/**
 * A sequential specification. `step` returns every state the object may be in after `op` takes
 * effect in `state` (empty: `op` cannot be linearized here). More than one successor lets a model
 * express outcomes the history leaves open, e.g. a compare whose revision was never recorded.
 */
export interface Model<S> {
  init(): S;
  step(state: S, op: Operation): readonly S[];
  /** A canonical string for the state: equal states must give equal strings (memoisation). */
  key(state: S): string;
}
