import bcrypt from 'bcryptjs';

/** bcrypt's cost bounds and etcd's default (`--bcrypt-cost`, Go's bcrypt.DefaultCost). */
export const BCRYPT_MIN_COST = 4;
export const BCRYPT_MAX_COST = 31;
export const BCRYPT_DEFAULT_COST = 10;

/** Hashes and checks passwords; injected so tests and callers choose the cost. */
export interface PasswordHasher {
  /** A bcrypt hash of the password, as the bytes etcd stores in User.password. */
  hash(password: string): Buffer;
  /** Whether `password` matches `hash`; false (never a throw) for anything not a bcrypt hash. */
  verify(password: string, hash: Uint8Array): boolean;
  /** As hash(), yielding to the event loop between slices of work (for request paths). */
  hashAsync(password: string): Promise<Buffer>;
  /** As verify(), yielding to the event loop between slices of work (for request paths). */
  verifyAsync(password: string, hash: Uint8Array): Promise<boolean>;
}

/**
 * bcrypt through bcryptjs, writing the "$2a$" version prefix that Go's bcrypt writes (the
 * algorithm is the same; the prefix keeps our records shaped like etcd's). Like Go's bcrypt in
 * etcd 3.4, bytes of a password beyond the 72nd are ignored. Cost 10 takes about 100 ms of CPU
 * per call here. The sync forms block the event loop for all of it; the async forms (bcryptjs)
 * yield only between slices of up to 100 ms, so at cost 10 they still block for most of a call.
 * Keeping the event loop free needs a worker thread (not built yet).
 */
export class BcryptHasher implements PasswordHasher {
  constructor(readonly cost: number = BCRYPT_DEFAULT_COST) {
    if (!Number.isInteger(cost) || cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
      throw new RangeError(`bcrypt cost ${cost} is outside ${BCRYPT_MIN_COST}..${BCRYPT_MAX_COST}`);
    }
  }

  hash(password: string): Buffer {
    return Buffer.from(bcrypt.hashSync(password, this.salt()), 'latin1');
  }

  async hashAsync(password: string): Promise<Buffer> {
    return Buffer.from(await bcrypt.hash(password, this.salt()), 'latin1');
  }

  verify(password: string, hash: Uint8Array): boolean {
    if (hash.length === 0) return false;
    try {
      return bcrypt.compareSync(password, Buffer.from(hash).toString('latin1'));
    } catch {
      return false;
    }
  }

  async verifyAsync(password: string, hash: Uint8Array): Promise<boolean> {
    if (hash.length === 0) return false;
    try {
      return await bcrypt.compare(password, Buffer.from(hash).toString('latin1'));
    } catch {
      return false;
    }
  }

  private salt(): string {
    return bcrypt.genSaltSync(this.cost).replace(/^\$2b\$/, '$2a$');
  }
}
