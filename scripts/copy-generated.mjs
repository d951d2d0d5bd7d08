// tsc compiles only our TypeScript; the generated protobuf module is JavaScript with a
// declaration file beside it, so copy the JavaScript next to the compiled code.
import { cpSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
cpSync(`${root}server/src/pb/generated/pb.js`, `${root}dist/server/src/pb/generated/pb.js`);
