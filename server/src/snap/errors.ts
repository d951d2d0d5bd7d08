import { CairnError } from '../util/index.js';

/** No snapshot file in the directory could be loaded (none there, none matching, or all damaged). */
export class NoSnapshotError extends CairnError {
  /** Names of the files this load found damaged and renamed to `*.broken`. */
  readonly broken: readonly string[];

  constructor(dir: string, broken: readonly string[] = []) {
    const note = broken.length > 0 ? ` (damaged and set aside: ${broken.join(', ')})` : '';
    super(`no usable snapshot in ${dir}${note}`);
    this.broken = broken;
  }
}

/** A snapshot file failed a check; names the file and what is wrong with it. */
export class SnapshotCorruptError extends CairnError {
  readonly file: string;
  readonly reason: string;

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`snapshot file ${file} is corrupt: ${reason}`, options);
    this.file = file;
    this.reason = reason;
  }
}

/** A snapshot handed to save() that cannot be named or encoded (term/index not safe integers). */
export class InvalidSnapshotError extends CairnError {}

/** The Snapshotter was configured with an impossible option. */
export class SnapshotterConfigError extends CairnError {}
