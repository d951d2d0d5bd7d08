// Raft snapshot files (member/snap/*.snap): atomic save, newest-valid load, purge.
export { Snapshotter, type SnapshotterOptions, type SnapshotCandidate } from './snapshotter.js';
export { NoSnapshotError, SnapshotCorruptError, InvalidSnapshotError, SnapshotterConfigError } from './errors.js';
export { encodeSnapFile, decodeSnapFile } from './snap-file.js';
export { type SnapName, formatSnapName, parseSnapName } from './snap-name.js';
