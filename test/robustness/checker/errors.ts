import { CairnError } from '../../../server/src/util/index.js';

/** The history handed to the checker is malformed (not a linearizability violation). */
export class HistoryError extends CairnError {}

