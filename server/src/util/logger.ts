/** Fields of one structured log line (etcd's zap fields: kebab-case keys). */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The logger every module takes. An interface here, low in the module order, so that the member
 * and the layers below it can log without depending on the logging library the CLI wires in.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** A logger that drops everything, for tests and tools that do not log. */
export const nopLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => nopLogger,
};
