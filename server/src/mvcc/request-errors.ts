import { CairnError } from '../util/index.js';

/** The gRPC status class of a refused KV request; the API layer maps it to the status code. */
export type RequestErrorCode = 'InvalidArgument' | 'NotFound' | 'OutOfRange' | 'FailedPrecondition';

/**
 * A KV request refused by validation or by the applier, carrying etcd's exact client-facing
 * message, so the API layer only maps `code` to a gRPC status. Made only through the named
 * factories below, one per etcd error, so the strings live in one place.
 */
export class RequestError extends CairnError {
  private constructor(
    readonly code: RequestErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** A request (or a txn compare) without a key. */
  static emptyKey(): RequestError {
    return new RequestError('InvalidArgument', 'etcdserver: key is not provided');
  }

  /** A put with ignoreValue/ignoreLease on a key that does not exist, or an empty txn op. */
  static keyNotFound(): RequestError {
    return new RequestError('InvalidArgument', 'etcdserver: key not found');
  }

  /** A put with ignoreValue that also carries a value. */
  static valueProvided(): RequestError {
    return new RequestError('InvalidArgument', 'etcdserver: value is provided');
  }

  /** A put with ignoreLease that also carries a lease. */
  static leaseProvided(): RequestError {
    return new RequestError('InvalidArgument', 'etcdserver: lease is provided');
  }

  /** A txn with more compares or ops in one list than allowed (nested txns share the budget). */
  static tooManyOps(): RequestError {
    return new RequestError('InvalidArgument', 'etcdserver: too many operations in txn request');
  }

  /** A txn writing one key twice on one path, or putting a key it also deletes. */
  static duplicateKey(): RequestError {
    return new RequestError('InvalidArgument', 'etcdserver: duplicate key given in txn request');
  }

  /** A range with a sort order or target outside the enums. */
  static invalidSortOption(): RequestError {
    return new RequestError('InvalidArgument', 'etcdserver: invalid sort option');
  }

  /** A put naming a lease the lessor does not hold. */
  static leaseNotFound(): RequestError {
    return new RequestError('NotFound', 'etcdserver: requested lease not found');
  }
}
