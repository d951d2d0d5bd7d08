import type { Layer } from './write-buffer.js';
import { compareKeys } from './write-buffer.js';

/** A key/value pair as the backend returns it. */
export type Entry = [key: Buffer, value: Buffer];

interface Head {
  key: Buffer;
  value: Buffer | null;
}

/** A sorted source of pairs, read one ahead. */
class Cursor {
  head: Head | undefined;
  constructor(
    private readonly it: Iterator<Head>,
    private readonly end: Buffer | undefined,
  ) {
    this.advance();
  }

  advance(): void {
    const r = this.it.next();
    this.head = r.done === true || (this.end !== undefined && compareKeys(r.value.key, this.end) >= 0) ? undefined : r.value;
  }

  close(): void {
    this.it.return?.();
  }
}

function* layerEntries(layer: Layer, slot: number, start: Buffer | undefined): Generator<Head> {
  const tree = layer[slot];
  if (tree === undefined) return;
  for (const [key, value] of tree.entries(start)) yield { key, value };
}

function* baseEntries(base: Iterable<{ key: Buffer; value: Buffer }>): Generator<Head> {
  for (const e of base) yield { key: e.key, value: e.value };
}

/**
 * Yields the pairs of [start, end) of one bucket in key order, merging the pending layers
 * (newest first: a layer's value or delete wins over older layers) over the committed
 * pairs in LMDB. The LMDB cursor is closed when the caller stops early.
 */
export function* mergeRange(
  layers: readonly Layer[],
  slot: number,
  base: Iterable<{ key: Buffer; value: Buffer }>,
  start: Buffer | undefined,
  end: Buffer | undefined,
): Generator<Entry> {
  // cursors[i] outranks cursors[j] for i < j; LMDB comes last.
  const cursors = layers
    .map((layer) => new Cursor(layerEntries(layer, slot, start), end))
    .concat(new Cursor(baseEntries(base), end));
  try {
    for (;;) {
      let winner: Cursor | undefined;
      for (const c of cursors) {
        if (c.head !== undefined && (winner?.head === undefined || compareKeys(c.head.key, winner.head.key) < 0)) winner = c;
      }
      const head = winner?.head;
      if (head === undefined) return;
      for (const c of cursors) {
        if (c.head !== undefined && compareKeys(c.head.key, head.key) === 0) c.advance();
      }
      if (head.value !== null) yield [head.key, head.value];
    }
  } finally {
    for (const c of cursors) c.close();
  }
}
