// Generates server/src/pb/generated/pb.{js,d.ts} from server/proto with protobufjs-cli.
// The output is not committed; `npm run build` makes it. It is only regenerated when a
// .proto file is newer than the output.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const protoDir = join(root, 'server/proto');
const outDir = join(root, 'server/src/pb/generated');
const outJs = join(outDir, 'pb.js');
const outDts = join(outDir, 'pb.d.ts');

function listProtos(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listProtos(join(dir, d.name)) : d.name.endsWith('.proto') ? [join(dir, d.name)] : [],
  );
}

const protos = listProtos(protoDir).sort();
const newest = Math.max(...protos.map((p) => statSync(p).mtimeMs), statSync(new URL(import.meta.url).pathname).mtimeMs);
if (existsSync(outJs) && existsSync(outDts) && statSync(outJs).mtimeMs >= newest && statSync(outDts).mtimeMs >= newest) {
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
const bin = (name) => join(root, 'node_modules/.bin', name);
execFileSync(bin('pbjs'), ['-t', 'static-module', '-w', 'es6', '--no-beautify', '-p', protoDir, '-o', outJs, ...protos], {
  stdio: 'inherit',
});
// Node's ESM loader needs the file extension on the subpath import.
const js = readFileSync(outJs, 'utf8').replace('import * as $protobuf from "protobufjs/minimal";', 'import $protobuf from "protobufjs/minimal.js";');
writeFileSync(outJs, js);
execFileSync(bin('pbts'), ['-o', outDts, outJs], { stdio: 'inherit' });
const dts = readFileSync(outDts, 'utf8');
writeFileSync(
  outDts,
  dts.replace(/from "protobufjs"/g, 'from "protobufjs/minimal.js"').replace('import Long = require("long");', 'import type Long from "long";'),
);
