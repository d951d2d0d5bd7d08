import { FLAGS, GROUP_TITLES, type FlagGroup, type FlagSpec } from './flags.js';

const GROUP_ORDER: readonly FlagGroup[] = ['member', 'clustering', 'security', 'auth', 'profiling', 'logging', 'experimental', 'unsafe'];

/** `cairn --help`: usage, then every serving flag by group, generated from the flag table. */
export function serveHelp(): string {
  const lines = [
    'Usage:',
    '',
    '  cairn [flags]',
    '    Serve as an etcd member.',
    '  cairn --config-file FILE',
    '    Serve with the settings of an etcd YAML config file (flags and ETCD_* are then ignored).',
    '  cairn wal dump --data-dir DIR',
    '    Print every record of a member\'s WAL.',
    '  cairn snapshot status FILE [-w simple|json|table]',
    '    Print a bbolt snapshot\'s hash, revision, key count and size, as etcdctl snapshot status does.',
    '  cairn --version',
    '  cairn -h | --help',
    '',
    'Every flag can also be given as an environment variable: --data-dir is ETCD_DATA_DIR. A flag on',
    'the command line wins over its variable. Flags take one or two dashes, and "--flag value" or',
    '"--flag=value"; a boolean takes a value only as "--flag=false".',
  ];
  for (const group of GROUP_ORDER) {
    lines.push('', `${GROUP_TITLES[group]}:`, '');
    for (const spec of FLAGS.filter((f) => f.group === group)) lines.push(...flagHelp(spec));
  }
  return lines.join('\n');
}

function flagHelp(spec: FlagSpec): string[] {
  const lines = [`  --${spec.name} '${spec.def}'`, `      ${spec.help}`];
  if (spec.choices !== undefined) lines.push(`      One of: ${spec.choices.map((c) => (c === '' ? "''" : c)).join(', ')}.`);
  switch (spec.support) {
    case 'yes':
      break;
    case 'ignored':
      lines.push(`      Accepted and ignored: ${spec.why ?? 'no effect in Cairn'}.`);
      break;
    case 'later':
      lines.push(`      Not supported yet (${spec.why ?? 'not built'}): the member refuses to start when it is set.`);
      break;
    case 'refused':
      lines.push(`      Only the default is accepted: ${spec.why ?? 'not supported'}.`);
      break;
  }
  return lines;
}
