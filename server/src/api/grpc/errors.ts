import { CairnError } from '../../util/index.js';
import { Status, type StatusCode } from './status.js';

/**
 * What a handler throws to end a call with a chosen status. Anything else a handler throws ends
 * the call with UNKNOWN and the error's message, as grpc-go does for a plain Go error.
 */
export class GrpcError extends CairnError {
  readonly code: StatusCode;

  constructor(code: StatusCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A method was registered twice, or under a path that does not belong to its service. */
export class GrpcRegistrationError extends CairnError {}

/** The status a thrown value ends a call with. */
export function statusOf(err: unknown): { code: StatusCode; message: string } {
  if (err instanceof GrpcError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: Status.UNKNOWN, message: err.message };
  return { code: Status.UNKNOWN, message: String(err) };
}

/** A call was used out of order (e.g. metadata sent after the response headers). */
export class GrpcCallStateError extends CairnError {}
