import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  ConfigError,
  DEFAULT_QUOTA_BYTES,
  FLAGS,
  flagEnvName,
  loadConfig,
  parseAutoCompaction,
  parseInitialCluster,
  type MemberConfig,
  type Warning,
} from '../../../server/src/cli/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-cli-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function load(argv: string[], env: NodeJS.ProcessEnv = {}): { config: MemberConfig; warnings: readonly Warning[] } {
  const loaded = loadConfig(argv, env);
  assert.equal(loaded.kind, 'serve');
  if (loaded.kind !== 'serve') throw new Error('unreachable');
  return { config: loaded.config, warnings: loaded.warnings };
}

function configFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('defaults', () => {
  test('with no flags, the config has etcd\'s defaults (snapshot-count 10000 as the issue asks)', () => {
    const { config: c, warnings } = load([]);
    assert.equal(c.name, 'default');
    assert.equal(c.dataDir, 'default.etcd');
    assert.equal(c.walDir, '');
    assert.equal(c.snapshotCount, 10000);
    assert.equal(c.maxSnapshots, 5);
    assert.equal(c.maxWals, 5);
    assert.equal(c.heartbeatMs, 100);
    assert.equal(c.electionMs, 1000);
    assert.deepEqual(c.listenPeerUrls, ['http://localhost:2380']);
    assert.deepEqual(c.listenClientUrls, ['http://localhost:2379']);
    assert.deepEqual(c.advertiseClientUrls, ['http://localhost:2379']);
    assert.deepEqual(c.initialAdvertisePeerUrls, ['http://localhost:2380']);
    assert.deepEqual(c.initialCluster, [{ name: 'default', peerUrls: ['http://localhost:2380'] }]);
    assert.equal(c.initialClusterState, 'new');
    assert.equal(c.initialClusterToken, 'etcd-cluster');
    assert.equal(c.quotaBackendBytes, DEFAULT_QUOTA_BYTES);
    assert.equal(c.maxRequestBytes, 1572864);
    assert.equal(c.maxTxnOps, 128);
    assert.equal(c.grpcKeepaliveMinTimeMs, 5000);
    assert.equal(c.grpcKeepaliveIntervalMs, 7_200_000);
    assert.equal(c.grpcKeepaliveTimeoutMs, 20_000);
    assert.deepEqual(c.autoCompaction, { mode: 'periodic', retentionMs: 0 });
    assert.equal(c.metrics, 'basic');
    assert.deepEqual(c.log, { level: 'info', format: 'json', outputs: ['stderr'] });
    assert.equal(c.strictReconfigCheck, true);
    assert.equal(c.experimental.watchProgressNotifyIntervalMs, 600_000);
    assert.deepEqual(c.notSupported, []);
    assert.equal(c.explicit.size, 0);
    assert.deepEqual(warnings, []);
  });

  test('data-dir and initial-cluster follow --name and --initial-advertise-peer-urls', () => {
    const { config: c } = load(['--name', 'm1', '--initial-advertise-peer-urls', 'http://10.0.0.1:2380,http://10.0.0.2:2380']);
    assert.equal(c.dataDir, 'm1.etcd');
    assert.deepEqual(c.initialCluster, [{ name: 'm1', peerUrls: ['http://10.0.0.1:2380', 'http://10.0.0.2:2380'] }]);
  });

  test('every flag of the table can be given and lands in the config without error', () => {
    // A smoke test that no flag in the table is broken: give each its own default explicitly.
    const argv = FLAGS.filter((f) => f.name !== 'version' && f.name !== 'config-file').map((f) => `--${f.name}=${f.def}`);
    const { config } = load(argv);
    assert.equal(config.explicit.size, argv.length);
    assert.equal(config.dataDir, '${name}.etcd');
  });
});

describe('environment variables', () => {
  test('an ETCD_* variable sets its flag; the command line wins over it', () => {
    const env = { ETCD_NAME: 'from-env', ETCD_SNAPSHOT_COUNT: '42', ETCD_ENABLE_GRPC_GATEWAY: 'false' };
    const { config: a } = load([], env);
    assert.equal(a.name, 'from-env');
    assert.equal(a.snapshotCount, 42);
    assert.equal(a.enableGrpcGateway, false);
    const { config: b, warnings } = load(['--name', 'from-flag'], env);
    assert.equal(b.name, 'from-flag');
    assert.equal(b.snapshotCount, 42);
    assert.ok(warnings.some((w) => w.msg.includes('shadowed') && w.fields['environment-variable'] === 'ETCD_NAME'));
    assert.ok(warnings.some((w) => w.msg === 'recognized and used environment variable' && w.fields['variable-name'] === 'ETCD_SNAPSHOT_COUNT'));
  });

  test('an ETCD_* variable naming no flag is warned about; other variables and empty ones are not', () => {
    const { warnings } = load([], { ETCD_NAMEE: 'x', ETCDCTL_API: '3', PATH: '/bin', ETCD_DATA_DIR: '' });
    assert.deepEqual(warnings, [{ level: 'warn', msg: 'unrecognized environment variable', fields: { 'environment-variable': 'ETCD_NAMEE=x' } }]);
  });

  test('a bad value in a variable is a config error naming the variable', () => {
    assert.throws(() => load([], { ETCD_MAX_WALS: 'many' }), (err: unknown) => err instanceof ConfigError && err.message === 'invalid value "many" for ETCD_MAX_WALS: parse error');
  });

  test('env names are the flag names upper-cased with underscores', () => {
    assert.equal(flagEnvName('experimental-initial-corrupt-check'), 'ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK');
  });
});

describe('config file', () => {
  test('YAML keys are flag names; lists may be comma strings or sequences; durations in ns or Go syntax', () => {
    const path = configFile('a.yml', [
      'name: infra1',
      'data-dir: /var/lib/etcd',
      'listen-client-urls: http://10.0.0.1:2379,http://127.0.0.1:2379',
      'advertise-client-urls: [http://10.0.0.1:2379]',
      'initial-cluster: infra1=http://10.0.0.1:2380,infra2=http://10.0.0.2:2380',
      'initial-cluster-state: existing',
      'quota-backend-bytes: 4294967296',
      'heartbeat-interval: 200',
      'election-timeout: 2000',
      'grpc-keepalive-min-time: 3000000000',
      'grpc-keepalive-interval: 1h',
      'auto-compaction-retention: "30m"',
      'strict-reconfig-check: false',
      'log-outputs: [stdout]',
    ].join('\n'));
    const { config: c, warnings } = load(['--config-file', path]);
    assert.equal(c.name, 'infra1');
    assert.equal(c.dataDir, '/var/lib/etcd');
    assert.deepEqual(c.listenClientUrls, ['http://10.0.0.1:2379', 'http://127.0.0.1:2379']);
    assert.deepEqual(c.advertiseClientUrls, ['http://10.0.0.1:2379']);
    assert.equal(c.initialCluster.length, 2);
    assert.equal(c.initialClusterState, 'existing');
    assert.equal(c.quotaBackendBytes, 4294967296);
    assert.equal(c.heartbeatMs, 200);
    assert.equal(c.grpcKeepaliveMinTimeMs, 3000);
    assert.equal(c.grpcKeepaliveIntervalMs, 3_600_000);
    assert.deepEqual(c.autoCompaction, { mode: 'periodic', retentionMs: 1_800_000 });
    assert.equal(c.strictReconfigCheck, false);
    assert.deepEqual(c.log.outputs, ['stdout']);
    assert.equal(c.configFile, path);
    assert.ok(warnings.some((w) => w.level === 'info' && w.fields['path'] === path));
  });

  test('with a config file, command-line flags and ETCD_* variables are ignored (etcd 3.4)', () => {
    const path = configFile('b.yml', 'name: from-file\n');
    const { config: c } = load(['--config-file', path, '--name', 'from-flag', '--max-wals', '9'], { ETCD_SNAPSHOT_COUNT: '7' });
    assert.equal(c.name, 'from-file');
    assert.equal(c.maxWals, 5);
    assert.equal(c.snapshotCount, 10000);
  });

  test('ETCD_CONFIG_FILE names the file too; the command line must still parse', () => {
    const path = configFile('c.yml', 'name: via-env\n');
    assert.equal(load([], { ETCD_CONFIG_FILE: path }).config.name, 'via-env');
    assert.throws(() => loadConfig(['--bogus'], { ETCD_CONFIG_FILE: path }), /flag provided but not defined: -bogus/);
  });

  test('unknown keys are ignored as etcd does, with a warning; TLS keys nest as in etcd', () => {
    const path = configFile('d.yml', [
      'name: n',
      'no-such-setting: 1',
      'cert-file: /top/level/is/ignored.pem',
      'client-transport-security:',
      '  cert-file: /c.pem',
      '  key-file: /c.key',
      'peer-transport-security:',
      '  client-cert-auth: true',
      '  trusted-ca-file: /ca.pem',
    ].join('\n'));
    const { config: c, warnings } = load(['--config-file', path]);
    assert.deepEqual(
      warnings.filter((w) => w.msg.startsWith('unknown key')).map((w) => w.fields['key']),
      ['no-such-setting', 'cert-file'],
    );
    assert.equal(c.clientTls.certFile, '/c.pem');
    assert.equal(c.clientTls.keyFile, '/c.key');
    assert.equal(c.peerTls.clientCertAuth, true);
    assert.equal(c.peerTls.trustedCaFile, '/ca.pem');
    assert.deepEqual(c.notSupported, []);
  });

  test('bad values and bad files are config errors that name the file', () => {
    const listenOnly = configFile('h.yml', 'listen-client-urls: http://0.0.0.0:2379\n');
    assert.deepEqual(load(['--config-file', listenOnly]).config.advertiseClientUrls, ['http://localhost:2379']);
    const bad = configFile('e.yml', 'max-wals: lots\n');
    assert.throws(() => load(['--config-file', bad]), (e: unknown) => e instanceof ConfigError && e.message.includes('max-wals') && e.message.includes(bad));
    const notMap = configFile('f.yml', '- a\n- b\n');
    assert.throws(() => load(['--config-file', notMap]), ConfigError);
    assert.throws(() => load(['--config-file', join(dir, 'missing.yml')]), /cannot read config file/);
    const empty = configFile('g.yml', '');
    assert.equal(load(['--config-file', empty]).config.name, 'default');
  });
});

describe('support and validation', () => {
  test('clustering/TLS/auth flags parse; the ones Cairn cannot serve yet are listed', () => {
    const suites = 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384';
    const { config: c } = load(['--peer-cert-file', '/p.pem', '--peer-key-file', '/p.key', '--auto-tls', '--auth-token', 'jwt,sign-method=RS256', '--discovery-srv', 'example.com', '--host-whitelist', 'a.example', '--cipher-suites', suites]);
    assert.equal(c.peerTls.certFile, '/p.pem');
    assert.equal(c.clientTls.autoTls, true);
    assert.equal(c.auth.token, 'jwt,sign-method=RS256');
    assert.deepEqual(c.cipherSuites, suites.split(','));
    assert.deepEqual(c.notSupported.map((n) => n.flag), ['discovery-srv', 'host-whitelist'].sort((a, b) => order(a) - order(b)));
    // Set to their defaults, they are not a problem.
    assert.deepEqual(load(['--discovery-srv=', '--auth-token', 'simple']).config.notSupported, []);
  });

  test('--enable-v2 and --force-new-cluster are refused with a clear error; false is fine', () => {
    assert.throws(() => load(['--enable-v2']), { name: 'ConfigError', message: /--enable-v2=true is not supported: Cairn has no v2 API/ });
    assert.throws(() => load(['--force-new-cluster']), { name: 'ConfigError', message: /--force-new-cluster=true is not supported/ });
    assert.equal(load(['--enable-v2=false']).config.name, 'default');
  });

  test('ignored flags are accepted with a warning', () => {
    const { warnings } = load(['--enable-pprof', '--logger', 'capnslog']);
    assert.ok(warnings.some((w) => w.level === 'warn' && w.msg.startsWith('--enable-pprof is ignored')));
    assert.ok(warnings.some((w) => w.msg.includes('capnslog')));
  });

  test('timing, advertise URL and membership checks', () => {
    assert.throws(() => load(['--heartbeat-interval', '300']), /--election-timeout\[1000ms\] must be at least 5 times --heartbeat-interval\[300ms\]/);
    assert.throws(() => load(['--election-timeout', '60000']), /too long/);
    assert.throws(() => load(['--listen-client-urls', 'http://0.0.0.0:2379']), /--advertise-client-urls is required/);
    assert.deepEqual(load(['--listen-client-urls', 'http://0.0.0.0:2379', '--advertise-client-urls', 'http://h:2379']).config.listenClientUrls, ['http://0.0.0.0:2379']);
    // Not refused here: a restarted member ignores --initial-cluster; a new one refuses at bootstrap.
    assert.equal(load(['--name', 'x', '--initial-cluster', 'a=http://a:2380']).config.name, 'x');
    assert.equal(load(['--name', 'x', '--initial-cluster', 'a=http://a:2380', '--initial-cluster-state', 'existing']).config.initialClusterState, 'existing');
    assert.throws(() => load(['--bcrypt-cost', '3']), /outside 4..31/);
  });

  test('--debug means debug logs unless --log-level says otherwise; quota 0 and negative', () => {
    assert.equal(load(['--debug']).config.log.level, 'debug');
    assert.equal(load(['--debug', '--log-level', 'warn']).config.log.level, 'warn');
    assert.equal(load(['--quota-backend-bytes', '-1']).config.quotaBackendBytes, null);
    assert.equal(load(['--quota-backend-bytes', '1024']).config.quotaBackendBytes, 1024);
  });
});

describe('auto compaction and initial cluster', () => {
  test('periodic takes durations or hours; revision takes counts', () => {
    assert.deepEqual(parseAutoCompaction('periodic', '1h'), { mode: 'periodic', retentionMs: 3_600_000 });
    assert.deepEqual(parseAutoCompaction('periodic', '30m'), { mode: 'periodic', retentionMs: 1_800_000 });
    assert.deepEqual(parseAutoCompaction('periodic', '5'), { mode: 'periodic', retentionMs: 5 * 3_600_000 });
    assert.deepEqual(parseAutoCompaction('revision', '1000'), { mode: 'revision', retentionRevisions: 1000 });
    assert.throws(() => parseAutoCompaction('revision', '1h'), /revision mode needs a number/);
    assert.throws(() => parseAutoCompaction('periodic', 'soon'), /periodic mode needs a duration/);
    assert.deepEqual(load(['--auto-compaction-mode', 'revision', '--auto-compaction-retention', '10']).config.autoCompaction, { mode: 'revision', retentionRevisions: 10 });
  });

  test('initial cluster groups URLs by name and rejects malformed pairs', () => {
    assert.deepEqual(parseInitialCluster('a=http://h1:2380,b=http://h2:2380,a=http://h3:2380'), [
      { name: 'a', peerUrls: ['http://h1:2380', 'http://h3:2380'] },
      { name: 'b', peerUrls: ['http://h2:2380'] },
    ]);
    assert.throws(() => parseInitialCluster('http://h1:2380'), /is not name=peerURL/);
    assert.throws(() => parseInitialCluster('a=http://h1'), /member a: URL address/);
  });
});

function order(flag: string): number {
  return FLAGS.findIndex((f) => f.name === flag);
}
