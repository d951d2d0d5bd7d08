import { errorMessage } from '../util/index.js';
import { UsageError } from './errors.js';
import { API_VERSION, cairnVersion } from './version.js';
import { WAL_DUMP_USAGE, walDump } from './wal-dump.js';

const USAGE = `usage: cairn [flags]            serve as an etcd member (not built yet)
       cairn wal dump --data-dir DIR   print every record of a member's WAL
       cairn --version | --help

Cairn is an etcd-compatible key-value store. Flags take etcd's names; every flag can also be
given as an ETCD_* environment variable (--data-dir ⇔ ETCD_DATA_DIR).`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const stdio: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** The command line: returns the process exit code. */
export async function run(argv: string[], io: Io = stdio): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    io.err(`cairn: ${errorMessage(err)}`);
    if (err instanceof UsageError) return 2;
    return 1;
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  if (cmd === '--version' || cmd === 'version') {
    io.out(`cairn Version: ${cairnVersion()}\nAPI version: ${API_VERSION}\nNode.js version: ${process.version}`);
    return 0;
  }
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (cmd === 'wal') {
    if (sub === 'dump') return walDump(rest, io.out);
    throw new UsageError(`unknown wal command ${JSON.stringify(sub ?? '')}\n${WAL_DUMP_USAGE}`);
  }
  // Serving a member needs MVCC, Raft and the API, which later issues build. Say so plainly
  // instead of pretending to serve.
  io.err('cairn: serving a member is not available in this build yet: the storage layer (WAL, snapshot files, backend) exists, the member does not.');
  io.err(USAGE);
  return 2;
}
