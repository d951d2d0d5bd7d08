import { CairnError } from '../util/index.js';

/** A mistake on the command line: printed with usage, exit code 2. */
export class UsageError extends CairnError {}
