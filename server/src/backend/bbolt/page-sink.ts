import type { FileHandle } from 'node:fs/promises';
import { PAGE_HEADER_BYTES } from './layout.js';

/** Flush the staging buffer once it holds this many bytes. */
const FLUSH_BYTES = 1 << 20;

/**
 * Hands out page ids in increasing order and appends each finished page to the file at
 * `id * pageSize`. Since a page gets its id only when its content is final, pages arrive in id
 * order and the file is written front to back in large sequential writes; pages reserved up
 * front (metas, freelist) are written separately with `writeAt`.
 *
 * `append` only stages; the caller awaits `flush()` whenever `wantsFlush` is set, so the event
 * loop turns between megabyte-sized writes instead of blocking for the whole file.
 */
export class PageSink {
  private next: number;
  private staged: Buffer[] = [];
  private stagedBytes = 0;
  /** The file offset of the first staged byte. */
  private stagedAt: number;

  constructor(
    private readonly file: FileHandle,
    readonly pageSize: number,
    firstFree: number,
  ) {
    this.next = firstFree;
    this.stagedAt = firstFree * pageSize;
  }

  /** The high-water mark: one past the last page handed out. */
  get highWater(): number {
    return this.next;
  }

  /**
   * Stamps `page` (a whole number of pages, header already filled except the id and overflow)
   * with the next id and stages it. Returns the id.
   */
  append(page: Buffer): number {
    const pages = page.byteLength / this.pageSize;
    if (!Number.isInteger(pages) || pages < 1) throw new RangeError(`page buffer of ${page.byteLength} bytes`);
    const id = this.next;
    page.writeBigUInt64LE(BigInt(id), 0);
    page.writeUInt32LE(pages - 1, PAGE_HEADER_BYTES - 4);
    this.next += pages;
    this.staged.push(page);
    this.stagedBytes += page.byteLength;
    return id;
  }

  /** True once enough is staged that the caller should await `flush()`. */
  get wantsFlush(): boolean {
    return this.stagedBytes >= FLUSH_BYTES;
  }

  /** Writes everything staged. */
  async flush(): Promise<void> {
    if (this.stagedBytes === 0) return;
    const all = this.staged.length === 1 ? (this.staged[0] as Buffer) : Buffer.concat(this.staged, this.stagedBytes);
    const at = this.stagedAt;
    this.stagedAt += this.stagedBytes;
    this.staged = [];
    this.stagedBytes = 0;
    await writeFully(this.file, all, at);
  }

  /** A positional write outside the appended run (reserved pages). */
  async writeAt(pgid: number, page: Buffer): Promise<void> {
    await writeFully(this.file, page, pgid * this.pageSize);
  }
}

async function writeFully(file: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.byteLength) {
    const { bytesWritten } = await file.write(data, done, data.byteLength - done, position + done);
    done += bytesWritten;
  }
}
