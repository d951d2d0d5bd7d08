import { errorMessage } from '../util/index.js';
import { loadConfig } from './config.js';
import { NotBuiltError, UsageError } from './errors.js';
import { serveHelp } from './help.js';
import { stdio, type Io } from './io.js';
import { createLogger, type Logger } from './logger.js';
import { serve } from './serve.js';
import { API_VERSION, cairnVersion } from './version.js';
import { snapshotRestoreCommand } from './snapshot-restore.js';
import { snapshotSaveCommand } from './snapshot-save.js';
import { snapshotStatusCommand } from './snapshot-status.js';
import { WAL_DUMP_USAGE, walDump } from './wal-dump.js';
import { benchCommand } from './bench/index.js';

export type { Io } from './io.js';

/** Printed after a usage error, as Go's flag package prints etcd's usage line. */
const SHORT_USAGE = `usage: cairn [flags]                   serve as an etcd member
       cairn --config-file FILE
       cairn wal dump --data-dir DIR   print every record of a member's WAL
       cairn snapshot status FILE [-w simple|json|table]   etcd's status of a bbolt snapshot
       cairn bench <put|range|txn-put|watch|lease-keepalive> [flags]   load generator (etcd's benchmark)
       cairn snapshot save FILE [--endpoints HOST:PORT]   a member's snapshot, as etcdctl saves it
       cairn snapshot restore FILE --data-dir DIR [--name, --initial-cluster...]   a data dir from a snapshot
       cairn --version | --help        (--help lists every flag)`;

/** Test seams: the environment and the logger serving uses. */
export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Receives log lines instead of the configured --log-outputs. */
  readonly logSink?: (line: string) => void;
  /** Stops a serving member when it resolves (default: SIGINT or SIGTERM). */
  readonly stopSignal?: Promise<string>;
}

/** The command line: returns the process exit code. */
export async function run(argv: string[], io: Io = stdio, opts: RunOptions = {}): Promise<number> {
  try {
    return await dispatch(argv, io, opts);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(err.message);
      io.err(SHORT_USAGE);
      return 2;
    }
    io.err(`cairn: ${errorMessage(err)}`);
    return err instanceof NotBuiltError ? 2 : 1;
  }
}

async function dispatch(argv: string[], io: Io, opts: RunOptions): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  if (cmd === 'version') return printVersion(io);
  if (cmd === 'help') return printHelp(io);
  if (cmd === 'snapshot' && sub === 'status') return snapshotStatusCommand(rest, io.out);
  if (cmd === 'snapshot' && sub === 'save') return snapshotSaveCommand(rest, io.out);
  if (cmd === 'snapshot' && sub === 'restore') return snapshotRestoreCommand(rest, toolLogger(io, opts));
  if (cmd === 'bench') return benchCommand(argv.slice(1), io);
  if (cmd === 'wal') {
    if (sub === 'dump') return walDump(rest, io.out);
    throw new UsageError(`unknown wal command ${JSON.stringify(sub ?? '')}\n${WAL_DUMP_USAGE}`);
  }
  const loaded = loadConfig(argv, opts.env ?? process.env);
  switch (loaded.kind) {
    case 'help':
      return printHelp(io);
    case 'version':
      return printVersion(io);
    case 'serve': {
      const { config, warnings } = loaded;
      const logger: Logger = createLogger({ ...config.log, ...(opts.logSink === undefined ? {} : { sink: opts.logSink }) });
      for (const w of warnings) logger[w.level](w.msg, w.fields);
      return await serve(config, { ...io, logger, ...(opts.stopSignal === undefined ? {} : { stopSignal: opts.stopSignal }) });
    }
  }
}

/** The logger of a one-shot tool: JSON lines on stderr, as etcdctl's. */
function toolLogger(io: Io, opts: RunOptions): Logger {
  return createLogger({ level: 'info', format: 'json', outputs: ['stderr'], sink: opts.logSink ?? ((line) => io.err(line.trimEnd())) });
}

function printVersion(io: Io): number {
  io.out(`cairn Version: ${cairnVersion()}\nAPI version: ${API_VERSION}\nNode.js version: ${process.version}`);
  return 0;
}

function printHelp(io: Io): number {
  io.out(serveHelp());
  return 0;
}
