import { ConfigError, NotBuiltError } from './errors.js';
import type { Io } from './io.js';
import type { Logger } from './logger.js';
import type { MemberConfig } from './member-config.js';

/** What serving gets besides its settings. */
export interface ServeIo extends Io {
  readonly logger: Logger;
}

/**
 * Refuses settings that parse but that Cairn cannot serve yet (TLS, discovery, ...), naming each,
 * rather than starting a member that silently does something else than asked.
 */
export function refuseUnsupported(config: MemberConfig): void {
  if (config.notSupported.length === 0) return;
  const list = config.notSupported.map((n) => `--${n.flag} (${n.why})`).join(', ');
  throw new ConfigError(`not supported yet: ${list}`);
}

/** Runs the member until it stops; returns the exit code. The lead wires the member here. */
export async function serve(config: MemberConfig, io: ServeIo): Promise<number> {
  refuseUnsupported(config);
  io.logger.debug('serving', { name: config.name, 'data-dir': config.dataDir });
  throw new NotBuiltError('the member is being built (issue 6)');
}
