import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { EtcdServerApi, ServerMetrics } from '../../etcdserver/index.js';
import { ETCD_VERSION } from '../../etcdserver/index.js';
import { errorMessage } from '../../util/index.js';

/** What the HTTP endpoints read of the member, beyond the API. */
export interface HttpMember extends EtcdServerApi {
  readonly metrics: ServerMetrics;
  refreshMetrics(): void;
}

export interface HttpOptions {
  /** Cairn's own version, reported beside the etcd version it speaks. */
  cairnVersion: string;
  /** How long a health check's read may take (etcd: a few seconds). */
  healthTimeoutMs?: number;
}

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

/**
 * etcd's HTTP endpoints on the client (and metrics) port: /health (JSON, 503 with the reason),
 * /livez and /readyz (Kubernetes-style checks, `?verbose`, `?exclude=`), /version and /metrics.
 * Returns false for paths it does not serve, so the caller can answer them otherwise.
 */
export function serveHttp(member: HttpMember, opts: HttpOptions, req: Req, res: Res): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const done = (p: Promise<void>): boolean => {
    p.catch((err: unknown) => send(res, 500, 'text/plain; charset=utf-8', `internal error: ${errorMessage(err)}\n`));
    return true;
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    if (['/health', '/livez', '/readyz', '/version', '/metrics'].includes(url.pathname)) {
      send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n');
      return true;
    }
    return false;
  }
  switch (url.pathname) {
    case '/version':
      send(res, 200, 'application/json', JSON.stringify({ etcdserver: ETCD_VERSION, etcdcluster: ETCD_VERSION, cairn: opts.cairnVersion }));
      return true;
    case '/health':
      return done(health(member, opts, url, res));
    case '/livez':
      return done(checks(member, opts, url, res, 'livez', ['serializable_read']));
    case '/readyz':
      return done(checks(member, opts, url, res, 'readyz', ['data_corruption', 'serializable_read', 'linearizable_read']));
    case '/metrics':
      return done(metrics(member, res));
    default:
      return false;
  }
}

function send(res: Res, status: number, type: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

/** etcd 3.5's /health: leader, alarms (minus `?exclude=`), then a read of key "health". */
async function health(member: HttpMember, opts: HttpOptions, url: URL, res: Res): Promise<void> {
  const reason = await healthProblem(member, opts, url);
  send(res, reason === '' ? 200 : 503, 'application/json', JSON.stringify({ health: reason === '' ? 'true' : 'false', reason }));
}

async function healthProblem(member: HttpMember, opts: HttpOptions, url: URL): Promise<string> {
  const excluded = new Set(url.searchParams.getAll('exclude'));
  for (const a of member.alarms()) if (!excluded.has(a.alarm)) return `ALARM ${a.alarm}`;
  if (!member.hasLeader()) return 'RAFT NO LEADER';
  const serializable = url.searchParams.get('serializable') === 'true';
  try {
    await withTimeout(member.range({ key: Buffer.from('health'), ...(serializable ? { serializable: true } : {}) }), opts.healthTimeoutMs ?? 5000);
  } catch (err) {
    return `QGET ERROR: ${errorMessage(err)}`;
  }
  return '';
}

/** Kubernetes-style checks: "ok" or "<name> check failed", `?verbose` lists each, `?exclude=` skips. */
async function checks(member: HttpMember, opts: HttpOptions, url: URL, res: Res, name: string, all: string[]): Promise<void> {
  const excluded = new Set(url.searchParams.getAll('exclude'));
  const lines: string[] = [];
  let failed = false;
  for (const check of all) {
    if (excluded.has(check)) {
      lines.push(`[+]${check} excluded: ok`);
      continue;
    }
    const problem = await runCheck(member, opts, check);
    if (problem === '') lines.push(`[+]${check} ok`);
    else {
      failed = true;
      lines.push(`[-]${check} failed: ${problem}`);
    }
  }
  const verbose = url.searchParams.has('verbose') || failed;
  const tail = failed ? `${name} check failed` : 'ok';
  send(res, failed ? 503 : 200, 'text/plain; charset=utf-8', verbose ? `${lines.join('\n')}\n${tail}\n` : `${tail}\n`);
}

async function runCheck(member: HttpMember, opts: HttpOptions, check: string): Promise<string> {
  try {
    switch (check) {
      case 'data_corruption':
        return member.alarms().some((a) => a.alarm === 'CORRUPT') ? 'alarm activated: CORRUPT' : '';
      case 'serializable_read':
        await withTimeout(member.range({ key: Buffer.from('health'), serializable: true }), opts.healthTimeoutMs ?? 5000);
        return '';
      case 'linearizable_read':
        await withTimeout(member.range({ key: Buffer.from('health') }), opts.healthTimeoutMs ?? 5000);
        return '';
      default:
        return `unknown check ${check}`;
    }
  } catch (err) {
    return errorMessage(err);
  }
}

async function metrics(member: HttpMember, res: Res): Promise<void> {
  member.refreshMetrics();
  const body = await member.metrics.registry.metrics();
  send(res, 200, member.metrics.registry.contentType, body);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
