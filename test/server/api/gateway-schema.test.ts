import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { GATEWAY_ENUMS, GATEWAY_MESSAGES } from '../../../server/src/api/gateway/schema.js';

/**
 * The gateway's field table (server/src/api/gateway/schema.ts) must say exactly what the .proto
 * files say. Regenerate it with CAIRN_UPDATE_GOLDEN=1 after changing a .proto file.
 */
const ROOT = path.resolve(import.meta.dirname, '../../../..');
const PROTO_DIR = path.join(ROOT, 'server/proto');
const FILES = ['etcdserverpb/rpc.proto', 'mvccpb/kv.proto', 'authpb/auth.proto', 'v3lockpb/v3lock.proto', 'v3electionpb/v3election.proto'];
const PACKAGES = ['etcdserverpb', 'mvccpb', 'authpb', 'v3lockpb', 'v3electionpb'];

function load(keepCase: boolean): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  for (const f of FILES) {
    const file = path.join(PROTO_DIR, f);
    if (!fs.existsSync(file)) continue;
    protobuf.parse(fs.readFileSync(file, 'utf8'), root, { keepCase });
  }
  root.resolveAll();
  return root;
}

type Built = { messages: Record<string, string[][]>; enums: Record<string, [string, number][]> };

function build(): Built {
  const orig = load(true);
  const camel = load(false);
  const messages: Record<string, string[][]> = {};
  const enums: Record<string, [string, number][]> = {};
  const visit = (o: protobuf.ReflectionObject, c: protobuf.ReflectionObject): void => {
    const name = o.fullName.slice(1);
    if (o instanceof protobuf.Type && c instanceof protobuf.Type) {
      messages[name] = o.fieldsArray.map((f, i) => {
        const cf = c.fieldsArray[i];
        assert.ok(cf !== undefined && cf.id === f.id);
        const t = f.resolvedType === null ? f.type : `${f.resolvedType instanceof protobuf.Enum ? 'enum' : 'msg'}:${f.resolvedType.fullName.slice(1)}`;
        const flags = `${f.repeated ? 'r' : ''}${f.partOf !== null ? 'o' : ''}`;
        const row = [f.name, t];
        if (flags !== '' || cf.name !== f.name) row.push(flags);
        if (cf.name !== f.name) row.push(cf.name);
        return row;
      });
    }
    if (o instanceof protobuf.Enum) enums[name] = Object.entries(o.values);
    if (o instanceof protobuf.Namespace && c instanceof protobuf.Namespace) {
      for (const child of o.nestedArray) visit(child, c.get(child.name) as protobuf.ReflectionObject);
    }
  };
  for (const p of PACKAGES) {
    const o = orig.lookup(p);
    if (o !== null) visit(o, camel.lookup(p) as protobuf.ReflectionObject);
  }
  return { messages, enums };
}

function render(b: Built): string {
  const lines = [
    '// Generated from server/proto by test/server/api/gateway-schema.test.ts (CAIRN_UPDATE_GOLDEN=1): do not edit.',
    '// Each message\'s fields in declaration order: [proto name, type, flags (r: repeated, o: in a oneof), protobufjs name if different].',
    '// Types: a scalar\'s proto name, `msg:<full name>` or `enum:<full name>`.',
    '',
    'export type FieldRow = readonly [string, string, string?, string?];',
    '',
    'export const GATEWAY_MESSAGES: Readonly<Record<string, readonly FieldRow[]>> = {',
    ...Object.entries(b.messages).map(([k, rows]) => `  '${k}': [${rows.map((r) => `[${r.map((x) => `'${x}'`).join(', ')}]`).join(', ')}],`),
    '};',
    '',
    'export const GATEWAY_ENUMS: Readonly<Record<string, readonly (readonly [string, number])[]>> = {',
    ...Object.entries(b.enums).map(([k, vals]) => `  '${k}': [${vals.map(([n, v]) => `['${n}', ${v}]`).join(', ')}],`),
    '};',
    '',
  ];
  return lines.join('\n');
}

test('the gateway schema matches the .proto files', () => {
  const built = build();
  if (process.env.CAIRN_UPDATE_GOLDEN === '1') {
    fs.writeFileSync(path.join(ROOT, 'server/src/api/gateway/schema.ts'), render(built));
    return;
  }
  assert.deepEqual(
    Object.fromEntries(Object.entries(GATEWAY_MESSAGES).map(([k, v]) => [k, v.map((r) => [...r])])),
    built.messages,
  );
  assert.deepEqual(
    Object.fromEntries(Object.entries(GATEWAY_ENUMS).map(([k, v]) => [k, v.map((r) => [...r])])),
    built.enums,
  );
});
