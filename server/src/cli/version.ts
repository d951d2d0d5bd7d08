import { readFileSync } from 'node:fs';

/** Cairn's own version (package.json) and the etcd API version it speaks. */
export const API_VERSION = '3.4';

export function cairnVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
