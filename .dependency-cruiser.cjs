// The module order of DESIGN.md: a server module may import only modules listed before it.
// Also: no import cycles anywhere, and tests never reach into dist/.
const order = ['util', 'pb', 'raft', 'wal', 'snap', 'backend', 'mvcc', 'lease', 'auth', 'apply', 'transport', 'etcdserver', 'api', 'cli'];
// lease and auth stand side by side; neither may import the other.
const rank = { util: 0, pb: 1, raft: 2, wal: 3, snap: 3, backend: 4, mvcc: 5, lease: 6, auth: 6, apply: 7, transport: 8, etcdserver: 9, api: 10, cli: 11 };

const forbidden = [
  { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  {
    name: 'no-unknown-module',
    comment: 'every file under server/src belongs to a module of DESIGN.md (or is main.ts)',
    severity: 'error',
    from: { path: '^server/src/', pathNot: `^server/src/(${order.join('|')})/|^server/src/main\\.ts$` },
    to: {},
  },
];
for (const from of order) {
  const above = order.filter((m) => rank[m] >= rank[from] && m !== from);
  if (above.length === 0) continue;
  forbidden.push({
    name: `module-order-${from}`,
    comment: `${from}/ may import only modules before it in DESIGN.md`,
    severity: 'error',
    from: { path: `^server/src/${from}/` },
    to: { path: `^server/src/(${above.join('|')})/` },
  });
}
forbidden.push({
  name: 'raft-is-pure',
  comment: 'the raft core does no I/O',
  severity: 'error',
  from: { path: '^server/src/raft/' },
  to: { dependencyTypes: ['core'], path: '^(fs|net|http|http2|child_process|dgram|node:fs|node:net|node:http|node:http2|node:child_process|node:dgram|node:fs/promises|fs/promises)$' },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.d.ts', '.js'] },
  },
};
