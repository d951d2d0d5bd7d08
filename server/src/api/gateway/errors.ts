import { CairnError } from '../../util/index.js';

/** A request body that is not JSON, or JSON that does not fit the request message. */
export class GatewayDecodeError extends CairnError {}
