import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimpleTokenProvider, parseSimpleToken } from '../../../server/src/auth/index.js';
import { FakeClock } from './helpers.js';

const TTL = 10_000;
const make = (clock: FakeClock, extra: Partial<ConstructorParameters<typeof SimpleTokenProvider>[0]> = {}): SimpleTokenProvider =>
  new SimpleTokenProvider({ now: clock.now, ttlMs: TTL, ...extra });

describe('SimpleTokenProvider', () => {
  test('a token expires ttl after its last use, and each use renews it', async () => {
    const clock = new FakeClock();
    const p = make(clock);
    const t = await p.assign({ username: 'u', revision: 3, index: 9, prefix: 'abc' });
    assert.equal(t, 'abc.9');
    clock.advance(TTL - 1);
    assert.deepEqual(await p.info(t, 5), { username: 'u', revision: 5 }, 'simple tokens report the current revision');
    clock.advance(TTL - 1);
    assert.equal((await p.info(t, 5))?.username, 'u', 'renewed by the previous use');
    clock.advance(TTL);
    assert.equal(await p.info(t, 5), undefined);
    assert.equal(p.size, 0, 'an expired token is dropped when seen');
  });

  test('expired tokens are swept on assign, at most once a second', async () => {
    const clock = new FakeClock();
    const p = make(clock);
    await p.assign({ username: 'a', revision: 1, index: 1, prefix: 'x' });
    clock.advance(TTL + 1);
    await p.assign({ username: 'b', revision: 1, index: 2, prefix: 'x' });
    assert.equal(p.size, 1);
  });

  test('invalidateUser and disable drop tokens', async () => {
    const clock = new FakeClock();
    const p = make(clock);
    const ta = await p.assign({ username: 'a', revision: 1, index: 1, prefix: 'x' });
    const tb = await p.assign({ username: 'b', revision: 1, index: 2, prefix: 'x' });
    p.invalidateUser('a');
    assert.equal(await p.info(ta, 1), undefined);
    assert.equal((await p.info(tb, 1))?.username, 'b');
    p.disable();
    assert.equal(await p.info(tb, 1), undefined);
  });

  test('malformed and unknown tokens are invalid', async () => {
    const p = make(new FakeClock());
    await p.assign({ username: 'a', revision: 1, index: 1, prefix: 'x' });
    for (const t of ['', 'x', 'x.1.1', 'x.', 'x.-1', 'x.1a', 'y.1', 'x.2']) assert.equal(await p.info(t, 1), undefined, t);
    assert.deepEqual(parseSimpleToken('AbC.12'), { prefix: 'AbC', index: 12 });
    assert.equal(parseSimpleToken('a.b'), undefined);
  });

  test('info waits until the index in the token is applied', async () => {
    const clock = new FakeClock();
    let release: () => void = () => undefined;
    const applied = new Promise<void>((resolve) => (release = resolve));
    const asked: number[] = [];
    const p = make(clock, {
      waitForIndex: (i) => {
        asked.push(i);
        return applied;
      },
    });
    const pending = p.info('abc.7', 1);
    // The Authenticate entry applies after the client already presented its token.
    await p.assign({ username: 'u', revision: 1, index: 7, prefix: 'abc' });
    release();
    assert.equal((await pending)?.username, 'u');
    assert.deepEqual(asked, [7]);
  });

  test('prefixes are 16 letters, uniformly drawn (bytes >= 208 are skipped)', () => {
    let calls = 0;
    const p = new SimpleTokenProvider({
      random: (n) => {
        calls++;
        return calls === 1 ? new Uint8Array(n).fill(255) : Uint8Array.from({ length: n }, (_, i) => i * 13);
      },
    });
    const prefix = p.genPrefix();
    assert.match(prefix, /^[a-zA-Z]{16}$/);
    assert.equal(calls, 2, 'the all-255 draw was rejected');
    assert.equal(prefix[1], 'n'); // 13 % 52 = 13 -> 'n'
  });
});
