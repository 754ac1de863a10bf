import { readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitObject, PackObject } from './pack-parser.ts';

/** Recently received blobs kept in memory as delta bases, up to this many bytes. */
const recentBlobBytes = 8 * 1024 * 1024;

interface BlobLocation {
  offset: number;
  size: number;
}

/**
 * The objects of one fetched pack. Commits, trees and tags stay in memory (they are small and
 * the checkout walks them); blobs are appended to one data file in `dir` as they arrive, so a
 * large repository never sits in memory and no file is created per blob (creating files is
 * the slow part of a checkout), then read back by offset.
 */
export class ObjectStore {
  readonly #file: FileHandle;
  readonly #objects = new Map<string, GitObject>();
  readonly #blobs = new Map<string, BlobLocation>();
  /** Blobs not yet written, in file order. */
  #queue: Buffer[] = [];
  #queueBytes = 0;
  /** Blobs being written now, from offset `#end`. */
  #batch: Buffer[] = [];
  #end = 0;
  #writing: Promise<void> | undefined;
  /** Recently received blobs, oldest first. */
  readonly #recent = new Map<string, Buffer>();
  #recentBytes = 0;
  #failure: unknown;
  readonly #onBlob: (size: number) => void;

  private constructor(file: FileHandle, onBlob: (size: number) => void) {
    this.#file = file;
    this.#onBlob = onBlob;
  }

  /** `onBlob` is told each blob's size before it is stored (the checkout byte budget). */
  static async create(dir: string, onBlob: (size: number) => void): Promise<ObjectStore> {
    return new ObjectStore(await open(join(dir, 'blobs'), 'w+'), onBlob);
  }

  /** Bytes of blobs received and not yet written. */
  get pendingBytes(): number {
    return this.#queueBytes;
  }

  add(object: PackObject): void {
    if (object.type !== 'blob') {
      this.#objects.set(object.oid, { type: object.type, data: object.data });
      return;
    }
    if (this.#blobs.has(object.oid)) return;
    this.#onBlob(object.data.length);
    this.#blobs.set(object.oid, { offset: this.#end + this.#queueBytes, size: object.data.length });
    this.#remember(object.oid, object.data);
    this.#queue.push(object.data);
    this.#queueBytes += object.data.length;
    this.#writing ??= this.#write();
  }

  /** Appends queued blobs, one batched write at a time. */
  async #write(): Promise<void> {
    try {
      while (this.#queue.length > 0 && this.#failure === undefined) {
        const batch = this.#queue;
        this.#batch = batch;
        this.#queue = [];
        const bytes = this.#queueBytes;
        let written = 0;
        while (written < bytes) {
          const { bytesWritten } = await this.#file.writev(
            written === 0 ? batch : [Buffer.concat(batch).subarray(written)],
            this.#end + written,
          );
          written += bytesWritten;
        }
        this.#end += bytes;
        this.#queueBytes -= bytes;
        this.#batch = [];
      }
    } catch (error) {
      this.#failure ??= error;
    } finally {
      this.#writing = undefined;
    }
  }

  /** An object by id (synchronously, for delta bases): from memory, or a blob read back. */
  get(oid: string): GitObject | undefined {
    const object = this.#objects.get(oid);
    if (object) return object;
    const location = this.#blobs.get(oid);
    if (location === undefined) return undefined;
    const recent = this.#recent.get(oid);
    if (recent) return { type: 'blob', data: recent };
    if (location.offset >= this.#end) return { type: 'blob', data: this.#queued(location) };
    const data = Buffer.allocUnsafe(location.size);
    let read = 0;
    while (read < location.size) {
      const bytes = readSync(this.#file.fd, data, read, location.size - read, location.offset + read);
      if (bytes === 0) throw new Error(`blob store ended early reading ${oid}`);
      read += bytes;
    }
    return { type: 'blob', data };
  }

  /** A blob's contents, read back once written. */
  async readBlob(oid: string): Promise<Buffer> {
    const location = this.#blobs.get(oid);
    if (location === undefined) throw new Error(`blob ${oid} is not in the store`);
    const recent = this.#recent.get(oid);
    if (recent) return recent;
    if (location.offset >= this.#end) return this.#queued(location);
    const data = Buffer.allocUnsafe(location.size);
    let read = 0;
    while (read < location.size) {
      const { bytesRead } = await this.#file.read(data, read, location.size - read, location.offset + read);
      if (bytesRead === 0) throw new Error(`blob store ended early reading ${oid}`);
      read += bytesRead;
    }
    return data;
  }

  /** A blob not written yet: in the batch being written or in the queue after it. */
  #queued(location: BlobLocation): Buffer {
    let offset = this.#end;
    for (const data of [...this.#batch, ...this.#queue]) {
      if (offset === location.offset) return data;
      offset += data.length;
    }
    throw new Error(`blob at offset ${location.offset} is neither written nor queued`);
  }

  /** The size of a blob received, or undefined. */
  blobSize(oid: string): number | undefined {
    return this.#blobs.get(oid)?.size;
  }

  /** Waits until at most `maxPendingBytes` are still to be written; rethrows a write failure. */
  async drain(maxPendingBytes = 0): Promise<void> {
    while (this.#writing !== undefined && this.#queueBytes > maxPendingBytes) await this.#writing;
    if (this.#failure !== undefined) throw this.#failure;
  }

  async close(): Promise<void> {
    await this.#writing;
    await this.#file.close();
  }

  #remember(oid: string, data: Buffer): void {
    if (data.length > recentBlobBytes / 4) return;
    this.#recent.set(oid, data);
    this.#recentBytes += data.length;
    for (const [old, bytes] of this.#recent) {
      if (this.#recentBytes <= recentBlobBytes) break;
      this.#recent.delete(old);
      this.#recentBytes -= bytes.length;
    }
  }
}
