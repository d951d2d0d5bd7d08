import Long from 'long';
import { GatewayDecodeError } from './errors.js';
import { JsonNumber, type JsonValue } from './json-reader.js';
import { type FieldRow, GATEWAY_ENUMS, GATEWAY_MESSAGES } from './schema.js';

/** One field of a message, as the codec needs it. */
interface Field {
  readonly proto: string;
  readonly js: string;
  readonly type: string;
  readonly repeated: boolean;
  readonly oneof: boolean;
}

const fieldCache = new Map<string, Field[]>();

function fieldsOf(message: string): Field[] {
  let fields = fieldCache.get(message);
  if (fields !== undefined) return fields;
  const rows: readonly FieldRow[] | undefined = GATEWAY_MESSAGES[message];
  if (rows === undefined) throw new TypeError(`no schema for message ${message}`);
  fields = rows.map(([proto, type, flags = '', js = proto]) => ({ proto, js, type, repeated: flags.includes('r'), oneof: flags.includes('o') }));
  fieldCache.set(message, fields);
  return fields;
}

const INT64 = new Set(['int64', 'sint64', 'sfixed64']);
const UINT64 = new Set(['uint64', 'fixed64']);
const INT32 = new Set(['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32']);

/**
 * A message as etcd's gateway writes it (grpc-gateway's JSONPb with OrigName and without
 * EmitDefaults): proto field names in declaration order, 64-bit integers as decimal strings,
 * bytes as standard base64, enums by name; zero scalars, empty lists and unset messages are
 * left out, except a oneof member, which is written whenever it is set. Strings are escaped as
 * Go's encoding/json does (`<`, `>`, `&` as \u escapes).
 */
export function messageToJson(message: string, value: object): string {
  const parts: string[] = [];
  const obj = value as Record<string, unknown>;
  for (const f of fieldsOf(message)) {
    const v = obj[f.js];
    if (v === null || v === undefined) continue;
    if (f.repeated) {
      const list = v as readonly unknown[];
      if (list.length === 0) continue;
      parts.push(`${goString(f.proto)}:[${list.map((x) => valueToJson(f.type, x)).join(',')}]`);
      continue;
    }
    if (!f.oneof && isZero(f.type, v)) continue;
    parts.push(`${goString(f.proto)}:${valueToJson(f.type, v)}`);
  }
  return `{${parts.join(',')}}`;
}

function valueToJson(type: string, v: unknown): string {
  if (type.startsWith('msg:')) return messageToJson(type.slice(4), v as object);
  if (type.startsWith('enum:')) return enumToJson(type.slice(5), v);
  if (INT64.has(type)) return `"${toLong(v, false).toString()}"`;
  if (UINT64.has(type)) return `"${toLong(v, true).toString()}"`;
  if (INT32.has(type)) return String(typeof v === 'number' ? v : Number(v));
  if (type === 'bool') return v === true ? 'true' : 'false';
  if (type === 'string') return goString(String(v));
  if (type === 'bytes') return `"${Buffer.from(v as Uint8Array).toString('base64')}"`;
  throw new TypeError(`the gateway cannot write a ${type}`);
}

function enumToJson(name: string, v: unknown): string {
  if (typeof v === 'string') return goString(v);
  const entry = GATEWAY_ENUMS[name]?.find(([, n]) => n === v);
  // An unknown number is written as the number, as jsonpb does.
  return entry === undefined ? String(v) : goString(entry[0]);
}

function isZero(type: string, v: unknown): boolean {
  if (type.startsWith('msg:')) return false;
  if (type.startsWith('enum:')) return v === 0 || (typeof v === 'string' && GATEWAY_ENUMS[type.slice(5)]?.find(([s]) => s === v)?.[1] === 0);
  if (INT64.has(type) || UINT64.has(type)) return toLong(v, false).isZero();
  if (INT32.has(type)) return Number(v) === 0;
  if (type === 'bool') return v !== true;
  if (type === 'string') return v === '';
  if (type === 'bytes') return (v as Uint8Array).length === 0;
  return false;
}

function toLong(v: unknown, unsigned: boolean): Long {
  const l = typeof v === 'bigint' ? Long.fromString(BigInt.asIntN(64, v).toString()) : Long.fromValue(v as Long | number | string);
  return unsigned ? l.toUnsigned() : l.toSigned();
}

/** A string as Go's encoding/json writes it. */
export function goString(s: string): string {
  return JSON.stringify(s).replace(/\\(.)|[<>&\u2028\u2029]/g, (m, esc: string | undefined) => {
    if (esc === undefined) return unicodeEscape(m);
    // Go (before 1.22, as etcd 3.4 is built) has no short escapes for backspace and form feed.
    if (esc === 'b') return unicodeEscape('\b');
    return esc === 'f' ? unicodeEscape('\f') : m;
  });
}

function unicodeEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * A JSON request as a plain object protobufjs's `fromObject` takes: fields may be named by
 * their proto name or their JSON (lowerCamelCase) name, 64-bit integers may be numbers or
 * strings, enums names or numbers; unknown fields are ignored and null leaves a field unset,
 * as grpc-gateway's decoder does.
 */
export function messageFromJson(message: string, json: JsonValue): Record<string, unknown> {
  if (json === null) return {};
  // jsonpb reads an object as a map of raw values first, and names that type when it fails.
  if (!(json instanceof Map)) throw mismatch(json, 'map[string]json.RawMessage');
  const out: Record<string, unknown> = {};
  const byName = namesOf(message);
  for (const [key, v] of json) {
    const f = byName.get(key);
    if (f === undefined || v === null) continue;
    if (f.repeated) {
      if (!Array.isArray(v)) throw new GatewayDecodeError(`json: cannot unmarshal ${kindOf(v)} into Go value of type []${goElemName(f.type)}`);
      out[f.js] = v.map((x) => valueFromJson(f, x));
    } else {
      out[f.js] = valueFromJson(f, v);
    }
  }
  return out;
}

const nameCache = new Map<string, Map<string, Field>>();

function namesOf(message: string): Map<string, Field> {
  let m = nameCache.get(message);
  if (m !== undefined) return m;
  m = new Map();
  for (const f of fieldsOf(message)) {
    m.set(f.proto, f);
    m.set(jsonName(f.proto), f);
    m.set(f.js, f);
  }
  nameCache.set(message, m);
  return m;
}

/** protoc's JSON name: each underscore dropped and the letter after it upper-cased. */
function jsonName(proto: string): string {
  return proto.replace(/_(.?)/g, (_, c: string) => c.toUpperCase());
}

function valueFromJson(f: Field, v: JsonValue): unknown {
  const t = f.type;
  if (t.startsWith('msg:')) return messageFromJson(t.slice(4), v);
  if (t.startsWith('enum:')) return enumFromJson(t.slice(5), v);
  if (INT64.has(t) || UINT64.has(t) || INT32.has(t)) return intFromJson(t, v);
  if (t === 'bool') {
    if (typeof v !== 'boolean') throw mismatch(v, 'bool');
    return v;
  }
  if (t === 'string') {
    if (typeof v !== 'string') throw mismatch(v, 'string');
    return v;
  }
  if (t === 'bytes') {
    if (typeof v !== 'string') throw mismatch(v, '[]uint8');
    if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(v)) throw new GatewayDecodeError('illegal base64 data at input byte 0');
    return new Uint8Array(Buffer.from(v, /[-_]/.test(v) ? 'base64url' : 'base64'));
  }
  throw new TypeError(`the gateway cannot read a ${t}`);
}

function intFromJson(type: string, v: JsonValue): unknown {
  const raw = v instanceof JsonNumber ? v.raw : typeof v === 'string' ? v : undefined;
  const goType = INT32.has(type) ? (type.startsWith('u') ? 'uint32' : 'int32') : UINT64.has(type) ? 'uint64' : 'int64';
  if (raw === undefined) throw mismatch(v, goType);
  // jsonpb unquotes a string and reads what is inside as a JSON number.
  if (typeof v === 'string' && !/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(v)) {
    throw new GatewayDecodeError(v === '' ? 'unexpected end of JSON input' : `invalid character '${v[0] ?? ''}' looking for beginning of value`);
  }
  const unsigned = goType.startsWith('u');
  if (!(unsigned ? /^\d+$/ : /^-?\d+$/).test(raw)) throw new GatewayDecodeError(`json: cannot unmarshal number ${raw} into Go value of type ${goType}`);
  const big = BigInt(raw);
  const bits = goType.endsWith('32') ? 32n : 64n;
  const [min, max] = unsigned ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
  if (big < min || big > max) throw new GatewayDecodeError(`json: cannot unmarshal number ${raw} into Go value of type ${goType}`);
  return bits === 32n ? Number(big) : big.toString();
}

function enumFromJson(name: string, v: JsonValue): number {
  const values = GATEWAY_ENUMS[name] ?? [];
  if (typeof v === 'string') {
    const hit = values.find(([s]) => s === v);
    if (hit === undefined) throw new GatewayDecodeError(`unknown value "${v}" for enum ${goTypeName(name)}`);
    return hit[1];
  }
  if (v instanceof JsonNumber) {
    if (/^-?\d+$/.test(v.raw)) return Number(v.raw);
    throw new GatewayDecodeError(`json: cannot unmarshal number ${v.raw} into Go value of type ${goTypeName(name)}`);
  }
  throw mismatch(v, goTypeName(name));
}

function mismatch(v: JsonValue, goType: string): GatewayDecodeError {
  return new GatewayDecodeError(`json: cannot unmarshal ${kindOf(v)} into Go value of type ${goType}`);
}

function kindOf(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (v instanceof JsonNumber) return 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

/** `etcdserverpb.RangeRequest.SortOrder` as Go names the type: `etcdserverpb.RangeRequest_SortOrder`. */
function goTypeName(full: string): string {
  const [pkg = '', ...rest] = full.split('.');
  return `${pkg}.${rest.join('_')}`;
}

function goElemName(type: string): string {
  if (type.startsWith('msg:')) return `*${goTypeName(type.slice(4))}`;
  if (type.startsWith('enum:')) return goTypeName(type.slice(5));
  return type === 'bytes' ? '[]uint8' : type;
}
