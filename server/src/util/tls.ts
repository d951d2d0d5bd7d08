import { readFileSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { PeerCertificate, SecureContextOptions, Server as TlsServer, TLSSocket } from 'node:tls';
import { CairnError } from './errors.js';

/**
 * TLS settings of one side (clients or peers), as etcd's flags give them. Files, not contents:
 * they are read when connections are made, so certificates replaced on disk are used without a
 * restart (see TlsFiles).
 */
export interface TlsOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA that signs the other side's certificates; empty: the system's. */
  readonly trustedCaFile?: string;
  /** Require a certificate signed by the trusted CA from those who connect. */
  readonly clientCertAuth?: boolean;
  /** Certificates revoked by the CA; a connection presenting one is refused. */
  readonly crlFile?: string;
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list (TLS 1.2 and below); empty: Node's defaults. */
  readonly ciphers?: string;
  /** Do not verify the server's certificate when dialing (etcd's self-signed --peer-auto-tls). */
  readonly skipVerify?: boolean;
}

export class TlsFileError extends CairnError {}

/** What a secure context is made of, read from the files now. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
  readonly crl?: Buffer;
}

function read(side: string, what: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TlsFileError(`cannot read ${side} ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

const given = (file: string | undefined): file is string => file !== undefined && file !== '';

/** Reads the certificate, key, CA and CRL (`side` names them in errors: "client", "peer"). */
export function readTlsMaterial(t: TlsOptions, side: string): TlsMaterial {
  const base = { cert: read(side, 'certificate', t.certFile), key: read(side, 'key', t.keyFile) };
  return {
    ...base,
    ...(given(t.trustedCaFile) ? { ca: read(side, 'trusted CA', t.trustedCaFile) } : {}),
    ...(given(t.crlFile) ? { crl: read(side, 'CRL', t.crlFile) } : {}),
  };
}

/** Versions and ciphers as Node's TLS options take them. */
export function tlsProtocolOptions(t: TlsOptions): Pick<SecureContextOptions, 'minVersion' | 'maxVersion' | 'ciphers'> {
  return {
    minVersion: t.minVersion ?? 'TLSv1.2',
    ...(t.maxVersion === undefined ? {} : { maxVersion: t.maxVersion }),
    ...(given(t.ciphers) ? { ciphers: t.ciphers } : {}),
  };
}

/**
 * The secure context options of one side, re-read when any of its files changes (size or
 * modification time): ask `current()` for each new connection. A file caught half-written
 * during a rotation keeps the last good material in use; the next connection tries again.
 */
export class TlsFiles {
  private stamp = '';
  private options: SecureContextOptions;

  constructor(
    readonly tls: TlsOptions,
    private readonly side: string,
  ) {
    this.options = this.load();
    this.stamp = this.stampNow();
  }

  /** The options to use for a connection starting now, and whether they changed since last time. */
  current(): { options: SecureContextOptions; changed: boolean } {
    const stamp = this.stampNow();
    if (stamp === this.stamp) return { options: this.options, changed: false };
    try {
      this.options = this.load();
      this.stamp = stamp;
      return { options: this.options, changed: true };
    } catch {
      return { options: this.options, changed: false };
    }
  }

  /**
   * Gives `server` the current files for each connection it accepts: checked before Node's own
   * connection listener makes the TLS socket with the context of that moment.
   */
  keepReloaded(server: TlsServer): void {
    server.prependListener('connection', () => {
      const { options, changed } = this.current();
      if (changed) server.setSecureContext(options);
    });
  }

  private load(): SecureContextOptions {
    return { ...readTlsMaterial(this.tls, this.side), ...tlsProtocolOptions(this.tls) };
  }

  private stampNow(): string {
    const t = this.tls;
    return [t.certFile, t.keyFile, t.trustedCaFile, t.crlFile]
      .filter(given)
      .map((f) => {
        try {
          const s = statSync(f);
          return `${s.size}:${s.mtimeMs}:${s.ino}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }
}

/**
 * The common name of the verified certificate a client connected with, or undefined (cleartext,
 * no certificate, or one not verified because client certificate auth is off).
 */
export function verifiedCommonName(socket: Socket | undefined): string | undefined {
  const s = socket as Partial<TLSSocket> | undefined;
  if (s?.authorized !== true || typeof s.getPeerCertificate !== 'function') return undefined;
  const first = commonNames(s.getPeerCertificate())[0];
  return first === '' ? undefined : first;
}

/** A certificate's subject common names (Node gives a string, or an array when there are several). */
export function commonNames(cert: PeerCertificate): string[] {
  const cn = (cert.subject as { CN?: string | string[] } | undefined)?.CN;
  return cn === undefined ? [] : Array.isArray(cn) ? cn : [cn];
}
