export {
  type Revision,
  REVISION_KEY_BYTES,
  TOMBSTONE_KEY_BYTES,
  RevisionSet,
  compareRevision,
  decodeRevisionKey,
  encodeRevisionKey,
  revision,
} from './revision.js';
export { type Generation, type KeyState, KeyIndex } from './key-index.js';
export { IndexCompaction, type RangeResult, TreeIndex } from './tree-index.js';
export { InvalidRevisionError, RevisionKeyError, RevisionNotFoundError, RevisionOrderError } from './errors.js';
