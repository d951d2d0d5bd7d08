// Debian's python3-tooz and python3-etcd3gw, run through their own test suites against one real
// Cairn member and one real etcd 3.4.23 in the same test: every test that passes against etcd
// must pass against Cairn. Tests that fail against etcd too are reported, not held against Cairn
// (they show a defect of the Debian packages, e.g. python3-etcd3 0.12 against Debian's tenacity).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ETCD_BIN, MemberProcess } from '../../e2e/cluster-process.js';
import { PYTHON, missingPythonPackages, runPytest, tally, type PytestResult } from './pytest-run.js';

/**
 * The start-up shim for etcd3gw (source tree, not dist: Python reads it as it is). Compiled, this
 * file sits at <dist>/test/clients/python/, four levels below the checkout.
 */
const SHIM_DIR = fileURLToPath(new URL('../../../../test/clients/python/shim', import.meta.url));

interface Suite {
  readonly name: string;
  readonly module: string;
  /** The suite's environment for a server at host:port. */
  readonly env: (endpoint: string) => Record<string, string>;
}

/** Switches on the shim: etcd3gw's gateway prefix is /v3/ (etcd 3.4 has no /v3alpha/). */
const gatewayShim = (): Record<string, string> => ({ PYTHONPATH: SHIM_DIR, CAIRN_ETCD3GW_API_PATH: '/v3/' });

const SUITES: readonly Suite[] = [
  {
    name: 'tooz test_coordination, etcd3:// (gRPC, python3-etcd3)',
    module: 'tooz.tests.test_coordination',
    env: (endpoint) => ({ TOOZ_TEST_URL: `etcd3://${endpoint}` }),
  },
  {
    name: 'tooz test_coordination, etcd3+http:// (JSON gateway, python3-etcd3gw)',
    module: 'tooz.tests.test_coordination',
    // api_version is tooz's own URL option; the shim lets etcd3gw 2.0's client() accept it.
    env: (endpoint) => ({ ...gatewayShim(), TOOZ_TEST_URL: `etcd3+http://${endpoint}?api_version=v3` }),
  },
  {
    name: 'etcd3gw tests.test_etcd3gw (JSON gateway)',
    module: 'etcd3gw.tests.test_etcd3gw',
    // The suite dials localhost:2379 (and probes it to decide whether to skip everything).
    env: (endpoint) => ({ ...gatewayShim(), CAIRN_ETCD_DEFAULT_PORT: endpoint.split(':')[1] ?? '' }),
  },
  {
    // Client-side tests (URL building, error mapping with a mocked session): they must pass
    // with the package's own /v3alpha/ default, so they run without the shim.
    name: 'etcd3gw tests.test_client (client-side)',
    module: 'etcd3gw.tests.test_client',
    env: () => ({}),
  },
];

const RUN_DEADLINE_MS = 180_000;

function summary(r: PytestResult): string {
  const c = tally(r.outcomes);
  return `${c.passed} passed, ${c.failed} failed, ${c.error} errors, ${c.skipped} skipped (${r.seconds.toFixed(1)} s)`;
}

function notPassing(r: PytestResult): string[] {
  return [...r.outcomes].filter(([, o]) => o === 'failed' || o === 'error').map(([id, o]) => `${id} ${o}`);
}

interface Members {
  readonly cairn: MemberProcess;
  readonly etcd: MemberProcess;
}

/** Checks what the suites need, then starts both members; a missing piece fails every test with what to install. */
async function startMembers(): Promise<Members> {
  const missing = missingPythonPackages();
  if (missing.length > 0) throw new Error(`missing Python packages for ${PYTHON}: apt-get install -y ${missing.join(' ')}`);
  if (!fs.existsSync(path.join(SHIM_DIR, 'sitecustomize.py'))) throw new Error(`the etcd3gw shim is not at ${SHIM_DIR}`);
  if (!fs.existsSync(ETCD_BIN)) throw new Error(`etcd 3.4.23 not found at ${ETCD_BIN}: apt-get install -y etcd-server`);
  const cairn = await MemberProcess.start('cairn');
  try {
    return { cairn, etcd: await MemberProcess.start('etcd') };
  } catch (err) {
    await cairn.destroy();
    throw err;
  }
}

describe('Debian Python etcd clients: their own test suites against Cairn and etcd 3.4.23', () => {
  let members: Promise<Members> | undefined;

  after(async () => {
    const started = await members?.catch(() => undefined);
    await started?.cairn.destroy();
    await started?.etcd.destroy();
  });

  for (const suite of SUITES) {
    test(suite.name, async (t) => {
      const { cairn, etcd } = await (members ??= startMembers());
      const onEtcd = await runPytest({ module: suite.module, env: suite.env(etcd.endpoint), deadlineMs: RUN_DEADLINE_MS });
      const onCairn = await runPytest({ module: suite.module, env: suite.env(cairn.endpoint), deadlineMs: RUN_DEADLINE_MS });
      t.diagnostic(`etcd 3.4.23: ${summary(onEtcd)}`);
      t.diagnostic(`cairn:       ${summary(onCairn)}`);
      for (const line of notPassing(onEtcd)) t.diagnostic(`not passing against etcd: ${line}`);
      for (const line of notPassing(onCairn)) t.diagnostic(`not passing against cairn: ${line}`);

      // A suite that passed nothing against etcd never reached a server: the comparison would be empty.
      assert.ok(tally(onEtcd.outcomes).passed > 0, `nothing passed against etcd; the suite did not reach it:\n${onEtcd.outputTail}`);
      const regressions = [...onEtcd.outcomes]
        .filter(([id, o]) => o === 'passed' && onCairn.outcomes.get(id) !== 'passed')
        .map(([id]) => `${id}: ${onCairn.outcomes.get(id) ?? 'not run'} against Cairn`);
      assert.deepEqual(regressions, [], `tests that pass against etcd but not against Cairn:\n${onCairn.outputTail}`);
    });
  }
});
