// Waiting for a condition with a deadline (shared with the end-to-end tests).
export { sleep, until } from '../../support/until.js';
