import { errorMessage } from '../util/index.js';
import { TransportError } from './errors.js';
import { type PeerTlsOptions, connectPeer } from './peer-tls.js';
import { HEADER_CLUSTER_ID, MEMBERS_PATH, parseId } from './wire.js';

/** A member as the peer endpoint `/members` lists it (etcd's membership.Member). */
export interface PeerMember {
  readonly id: bigint;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

/** What a running member says its cluster is: the cluster id and every member. */
export interface RemoteCluster {
  readonly clusterId: bigint;
  readonly members: PeerMember[];
}

/** The body of GET /members: a JSON array, ids in hex (64-bit ids do not survive JSON numbers). */
export function encodeMembers(members: readonly PeerMember[]): string {
  return JSON.stringify(members.map((m) => ({ id: m.id.toString(16), name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls, isLearner: m.isLearner })));
}

function decodeMembers(text: string): PeerMember[] {
  const raw = JSON.parse(text) as unknown;
  if (!Array.isArray(raw)) throw new TransportError('members answer is not a list');
  return raw.map((r: { id?: unknown; name?: unknown; peerURLs?: unknown; clientURLs?: unknown; isLearner?: unknown }) => {
    const id = typeof r.id === 'string' ? parseId(r.id) : undefined;
    if (id === undefined || !Array.isArray(r.peerURLs)) throw new TransportError('members answer has a member without id or peer URLs');
    return {
      id,
      name: typeof r.name === 'string' ? r.name : '',
      peerUrls: r.peerURLs.map(String),
      clientUrls: Array.isArray(r.clientURLs) ? r.clientURLs.map(String) : [],
      isLearner: r.isLearner === true,
    };
  });
}

/**
 * Asks running members for their cluster (a member joining with --initial-cluster-state
 * existing): GET /members on each URL in turn until one answers; rejects with etcd's words when
 * none does.
 */
export async function fetchCluster(urls: readonly string[], timeoutMs: number, tls?: PeerTlsOptions): Promise<RemoteCluster> {
  const failures: string[] = [];
  for (const url of urls) {
    try {
      return await fetchFrom(url, timeoutMs, tls);
    } catch (err) {
      failures.push(`${url}: ${errorMessage(err)}`);
    }
  }
  throw new TransportError(`could not retrieve cluster information from the given URLs (${failures.join('; ')})`);
}

function fetchFrom(url: string, timeoutMs: number, tls: PeerTlsOptions | undefined): Promise<RemoteCluster> {
  return new Promise((resolve, reject) => {
    const session = connectPeer(url, tls);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new TransportError(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    };
    session.on('error', fail);
    const req = session.request({ ':method': 'GET', ':path': MEMBERS_PATH });
    let status = 0;
    let cluster: bigint | undefined;
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      status = Number(h[':status']);
      cluster = parseId(h[HEADER_CLUSTER_ID]);
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', fail);
    req.on('end', () => {
      clearTimeout(timer);
      session.close();
      try {
        if (status !== 200) throw new TransportError(`answered ${status}`);
        if (cluster === undefined) throw new TransportError(`answered without ${HEADER_CLUSTER_ID}`);
        resolve({ clusterId: cluster, members: decodeMembers(Buffer.concat(chunks).toString()) });
      } catch (err) {
        reject(err instanceof Error ? err : new TransportError(String(err)));
      }
    });
    req.end();
  });
}
