import { CairnError } from '../util/index.js';

/** A mistake on the command line: printed with usage, exit code 2. */
export class UsageError extends CairnError {}

/** Settings that parse but cannot be served (bad combination, unsupported feature): exit code 1. */
export class ConfigError extends CairnError {}

/** A part of Cairn that does not exist yet; said plainly instead of pretending. Exit code 2. */
export class NotBuiltError extends CairnError {}
