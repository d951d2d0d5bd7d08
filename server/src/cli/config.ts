import { errorMessage } from '../util/index.js';
import { parseArgv } from './argv.js';
import { buildMemberConfig, type Warning } from './config-build.js';
import { readConfigFile } from './config-file.js';
import { flagEnvName } from './env.js';
import { ConfigError } from './errors.js';
import { parseFlagValue, type FlagValue } from './flag-values.js';
import { FLAGS, FLAG_BY_NAME } from './flags.js';
import type { MemberConfig } from './member-config.js';

export type { Warning } from './config-build.js';

/** What serving asked for: help, the version, or a member to run with these settings. */
export type LoadedConfig =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'serve'; readonly config: MemberConfig; readonly warnings: readonly Warning[] };

/** Flags that never come from the environment (etcd reads --version before looking at it). */
const NOT_FROM_ENV = new Set(['version', 'config-file']);

/**
 * Resolves the member's settings as etcd 3.4 does. Without a config file: command line >
 * ETCD_* variable > default, with a warning for every ETCD_* variable that names no flag. With
 * one (--config-file or ETCD_CONFIG_FILE), the file alone decides: other flags and variables are
 * ignored (the command line must still parse).
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedConfig {
  const cli = parseArgv(argv);
  if (cli.help) return { kind: 'help' };
  if (cli.values.get('version') === true) return { kind: 'version' };
  const given = cli.values.get('config-file');
  const configFile = typeof given === 'string' && given !== '' ? given : nonEmpty(env[flagEnvName('config-file')]);
  const warnings: Warning[] = [];
  let values: Map<string, FlagValue>;
  if (configFile !== undefined) {
    values = fromConfigFile(configFile, warnings);
  } else {
    values = new Map(cli.values);
    values.delete('config-file');
    addFromEnv(values, new Set(cli.values.keys()), env, warnings);
  }
  values.delete('version');
  return { kind: 'serve', config: buildMemberConfig(values, configFile, warnings), warnings };
}

function fromConfigFile(path: string, warnings: Warning[]): Map<string, FlagValue> {
  const file = readConfigFile(path);
  const values = new Map<string, FlagValue>();
  for (const [name, raw] of file.raw) {
    const spec = FLAG_BY_NAME.get(name);
    if (spec === undefined) continue;
    try {
      values.set(name, parseFlagValue(spec, raw));
    } catch (err) {
      throw new ConfigError(`invalid value ${JSON.stringify(raw)} for ${name} in config file ${path}: ${errorMessage(err)}`, { cause: err });
    }
  }
  warnings.push({ level: 'info', msg: 'loaded server configuration; command-line flags and ETCD_* environment variables are ignored', fields: { path } });
  for (const key of file.ignoredKeys) warnings.push({ level: 'warn', msg: 'unknown key in config file ignored', fields: { path, key } });
  return values;
}

/** Fills flags not on the command line from ETCD_* variables, and reports the variables left over. */
function addFromEnv(values: Map<string, FlagValue>, onCommandLine: ReadonlySet<string>, env: NodeJS.ProcessEnv, warnings: Warning[]): void {
  const used = new Set<string>([flagEnvName('config-file'), flagEnvName('version')]);
  const shadowed = new Set<string>();
  for (const spec of FLAGS) {
    if (NOT_FROM_ENV.has(spec.name)) continue;
    const key = flagEnvName(spec.name);
    const raw = nonEmpty(env[key]);
    if (raw === undefined) continue;
    if (onCommandLine.has(spec.name)) {
      shadowed.add(key);
      continue;
    }
    used.add(key);
    try {
      values.set(spec.name, parseFlagValue(spec, raw));
    } catch (err) {
      throw new ConfigError(`invalid value ${JSON.stringify(raw)} for ${key}: ${errorMessage(err)}`, { cause: err });
    }
    warnings.push({ level: 'info', msg: 'recognized and used environment variable', fields: { 'variable-name': key, 'variable-value': raw } });
  }
  for (const key of Object.keys(env).sort()) {
    if (!key.startsWith('ETCD_') || used.has(key)) continue;
    if (shadowed.has(key)) {
      warnings.push({ level: 'info', msg: 'recognized environment variable, but unused: shadowed by corresponding flag', fields: { 'environment-variable': key } });
    } else if (!FLAGS.some((f) => flagEnvName(f.name) === key)) {
      warnings.push({ level: 'warn', msg: 'unrecognized environment variable', fields: { 'environment-variable': `${key}=${env[key] ?? ''}` } });
    }
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
