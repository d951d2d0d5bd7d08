import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { errorMessage } from '../util/index.js';
import { ConfigError } from './errors.js';
import { FLAG_BY_NAME } from './flags.js';

/** The config file's settings as raw texts keyed by flag name, and the keys etcd would ignore. */
export interface ConfigFileValues {
  readonly raw: ReadonlyMap<string, string>;
  readonly ignoredKeys: readonly string[];
}

/**
 * etcd keeps TLS settings of its config file in two nested objects; their keys map onto flags.
 * (etcd's YAML has no top-level `cert-file`: such a key is ignored there, and here.)
 */
const NESTED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'client-transport-security': {
    'cert-file': 'cert-file',
    'key-file': 'key-file',
    'client-cert-auth': 'client-cert-auth',
    'trusted-ca-file': 'trusted-ca-file',
    'auto-tls': 'auto-tls',
    'crl-file': 'client-crl-file',
    'allowed-hostname': 'client-cert-allowed-hostname',
  },
  'peer-transport-security': {
    'cert-file': 'peer-cert-file',
    'key-file': 'peer-key-file',
    'client-cert-auth': 'peer-client-cert-auth',
    'trusted-ca-file': 'peer-trusted-ca-file',
    'auto-tls': 'peer-auto-tls',
    'crl-file': 'peer-crl-file',
    'allowed-cn': 'peer-cert-allowed-cn',
    'allowed-hostname': 'peer-cert-allowed-hostname',
  },
};

/** Keys that are flags but have no place in etcd's config file. */
const NOT_IN_FILE = new Set(['config-file', 'version', ...Object.values(NESTED).flatMap((m) => Object.values(m))]);

/**
 * Reads an etcd YAML config file. Keys are the flag names; like etcd (YAML → JSON → Go struct),
 * keys that name no setting are ignored — we report them so the caller can warn. Lists may be
 * YAML sequences or comma strings; a number for a duration is nanoseconds, as in etcd's file.
 */
export function readConfigFile(path: string): ConfigFileValues {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${errorMessage(err)}`, { cause: err });
  }
  if (doc === null || doc === undefined) return { raw: new Map(), ignoredKeys: [] };
  if (!isObject(doc)) throw new ConfigError(`config file ${path} is not a YAML mapping of settings`);
  const raw = new Map<string, string>();
  const ignoredKeys: string[] = [];
  for (const [key, value] of Object.entries(doc)) {
    const nested = NESTED[key];
    if (nested !== undefined && isObject(value)) {
      for (const [inner, v] of Object.entries(value)) {
        const name = nested[inner];
        if (name === undefined) ignoredKeys.push(`${key}.${inner}`);
        else setRaw(raw, name, v, path);
      }
    } else if (FLAG_BY_NAME.has(key) && !NOT_IN_FILE.has(key)) {
      setRaw(raw, key, value, path);
    } else {
      ignoredKeys.push(key);
    }
  }
  return { raw, ignoredKeys };
}

function setRaw(raw: Map<string, string>, name: string, value: unknown, path: string): void {
  if (value === null || value === undefined) return;
  const spec = FLAG_BY_NAME.get(name);
  if (spec?.kind === 'duration' && typeof value === 'number') {
    raw.set(name, `${value}ns`);
  } else if (Array.isArray(value)) {
    raw.set(name, value.map(String).join(','));
  } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    raw.set(name, String(value));
  } else {
    throw new ConfigError(`config file ${path}: ${name} must be a scalar or a list`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
