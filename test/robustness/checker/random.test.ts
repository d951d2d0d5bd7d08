import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHistory, type Operation } from './index.js';
import { prng as rng } from '../../support/prng.js';
import { simulate } from './simulate.js';

const SEEDS = 60;
const MUTATION_SEEDS = 25;
const shapes = [
  { ops: 60, keys: 1, clients: 4, unknownRate: 0.1 },
  { ops: 150, keys: 3, clients: 6, unknownRate: 0.05 },
  { ops: 300, keys: 10, clients: 8, unknownRate: 0 },
];

/** Replaces one completed non-absent read's value with one no operation ever wrote. */
function corruptRead(history: Operation[], seed: number): Operation[] | undefined {
  const reads = history.flatMap((op, i) => (op.output?.kind === 'get' && op.output.value !== null ? [i] : []));
  if (reads.length === 0) return undefined;
  const r = rng(seed ^ 0x5bd1e995);
  const at = reads[Math.floor(r() * reads.length)]!;
  const op = history[at]!;
  const out = op.output!;
  const copy = [...history];
  copy[at] = { ...op, output: { ...out, kind: 'get', value: 'never-written' } };
  return copy;
}

/** Makes one acknowledged write report the revision of an earlier acknowledged write. */
function duplicateRevision(history: Operation[]): Operation[] | undefined {
  const puts = history.flatMap((op, i) => (op.output?.kind === 'put' && op.output.revision !== undefined ? [i] : []));
  if (puts.length < 2) return undefined;
  const first = history[puts[0]!]!;
  const last = history[puts[puts.length - 1]!]!;
  const copy = [...history];
  copy[puts[puts.length - 1]!] = { ...last, output: { kind: 'put', revision: first.output!.revision! } };
  return copy;
}

describe('random histories from a sequential execution', () => {
  for (const shape of shapes) {
    const name = `${shape.ops} ops, ${shape.keys} keys, ${shape.clients} clients, ${shape.unknownRate * 100}% unknown`;
    test(`${name}: linearizable, with and without revisions`, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const h = simulate({ seed, ...shape });
        for (const revisions of [true, false]) {
          const r = checkHistory(h, { revisions });
          assert.equal(r.kind, 'ok', `seed ${seed} revisions=${revisions}: ${r.kind === 'violation' ? r.report : r.kind}`);
        }
      }
    });

    test(`${name}: a read of a value never written is a violation`, () => {
      let mutated = 0;
      for (let seed = 1; seed <= MUTATION_SEEDS; seed++) {
        const h = corruptRead(simulate({ seed, ...shape }), seed);
        if (h === undefined) continue;
        mutated++;
        assert.equal(checkHistory(h, { revisions: false, shrink: false }).kind, 'violation', `seed ${seed} (values only)`);
        // Shrinking is bounded by time; whatever it keeps must still contain the culprit, since
        // every other operation comes from a linearizable execution.
        const r = checkHistory(h, { shrinkMs: 250 });
        assert.equal(r.kind, 'violation', `seed ${seed}`);
        const culprit = r.kind === 'violation' && r.operations.some((x) => x.op.output?.kind === 'get' && x.op.output.value === 'never-written');
        assert.ok(culprit, `seed ${seed}: ${r.kind === 'violation' ? r.report : ''}`);
      }
      assert.ok(mutated > MUTATION_SEEDS / 2, `only ${mutated} histories had a read to corrupt`);
    });

    test(`${name}: a duplicated write revision is a violation`, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const h = duplicateRevision(simulate({ seed, ...shape }));
        if (h === undefined) continue;
        assert.equal(checkHistory(h).kind, 'violation', `seed ${seed}`);
      }
    });
  }
});
