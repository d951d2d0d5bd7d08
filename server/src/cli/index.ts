export { run, type Io, type RunOptions } from './run.js';
export { UsageError, ConfigError, NotBuiltError } from './errors.js';
export { flagEnvName, flagOrEnv } from './env.js';
export { FLAGS, FLAG_BY_NAME, type FlagSpec, type FlagKind, type FlagGroup, type FlagSupport } from './flags.js';
export { parseArgv, type ParsedArgv } from './argv.js';
export { parseFlagValue, parseGoBool, parseGoInt, parseUrls, FlagValueError, type FlagValue } from './flag-values.js';
export { parseGoDuration, DurationSyntaxError } from './duration.js';
export { loadConfig, type LoadedConfig, type Warning } from './config.js';
export { parseInitialCluster, parseAutoCompaction } from './config-build.js';
export { readConfigFile, type ConfigFileValues } from './config-file.js';
export { serveHelp } from './help.js';
export { createLogger, nopLogger, toConsole, type Logger, type LogFields, type LoggerOptions } from './logger.js';
export { serve, refuseUnsupported, type ServeIo } from './serve.js';
export {
  DEFAULT_QUOTA_BYTES,
  type MemberConfig,
  type InitialMember,
  type AutoCompaction,
  type TlsSettings,
  type LogSettings,
  type LogLevel,
  type LogFormat,
  type NotSupported,
} from './member-config.js';
