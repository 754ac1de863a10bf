import { createHash, type Hash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { applyDelta, DeltaError } from './delta.ts';

/**
 * A streaming reader of Git packfiles (gitformat-pack, version 2): bytes go in as they arrive
 * from the network, whole objects (deltas applied, ids computed) come out in pack order. Nothing
 * is indexed or written by the parser itself; `bases` gives back objects it emitted earlier.
 */

export type GitObjectType = 'commit' | 'tree' | 'blob' | 'tag';

export interface GitObject {
  type: GitObjectType;
  data: Buffer;
}

export interface PackObject extends GitObject {
  oid: string;
}

/** Thrown for a pack that is not well formed; the caller adds the server's name. */
export class PackError extends Error {}

const typeNames: Record<number, GitObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const ofsDelta = 6;
const batchBytes = 256 * 1024;
const refDelta = 7;

interface PendingDelta {
  offset: number;
  delta: Buffer;
}

export interface PackParserOptions {
  /** Receives each object once it is complete. */
  onObject: (object: PackObject) => void;
  /** An object emitted earlier, by id (the base of a delta). */
  bases: (oid: string) => GitObject | undefined;
}

export class PackParser {
  readonly #options: PackParserOptions;
  readonly #hash: Hash = createHash('sha1');
  #chunks: Buffer[] = [];
  #length = 0;
  /** Bytes needed before parsing is worth trying again (grows while a large object is incomplete). */
  #needed = 12;
  /** Pack offset of the first buffered byte. */
  #offset = 0;
  #count: number | undefined;
  #parsed = 0;
  /** Object ids by pack offset, for offset deltas. */
  readonly #oidAt = new Map<number, string>();
  /** Deltas whose base has not been seen yet, by base (`@offset` or object id). */
  readonly #waiting = new Map<string, PendingDelta[]>();
  #waitingCount = 0;
  #finished = false;

  constructor(options: PackParserOptions) {
    this.#options = options;
  }

  /** Objects the pack says it holds (known once its header has arrived). */
  get count(): number | undefined {
    return this.#count;
  }

  push(chunk: Buffer): void {
    if (this.#finished) {
      if (chunk.length > 0) throw new PackError('data after the end of the pack');
      return;
    }
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    if (this.#length >= this.#needed) this.#parse();
  }

  #parse(): void {
    let buffer = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    let position = 0;
    if (this.#count === undefined) {
      if (buffer.length < 12) return;
      if (buffer.toString('latin1', 0, 4) !== 'PACK')
        throw new PackError('not a packfile (no PACK signature)');
      const version = buffer.readUInt32BE(4);
      if (version !== 2 && version !== 3) throw new PackError(`unsupported pack version ${version}`);
      this.#count = buffer.readUInt32BE(8);
      position = 12;
    }
    while (this.#parsed < this.#count) {
      const next = this.#object(buffer, position);
      if (next === undefined) break;
      position = next;
    }
    this.#hash.update(buffer.subarray(0, position));
    this.#offset += position;
    buffer = buffer.subarray(position);
    this.#chunks = buffer.length === 0 ? [] : [buffer];
    this.#length = buffer.length;
    if (this.#parsed === this.#count) {
      this.#needed = 20;
      if (buffer.length >= 20) this.#finish(buffer);
    } else if (position > 0) {
      // Parse in batches: each attempt on an incomplete object costs an inflate and an error.
      this.#needed = batchBytes;
    }
  }

  /** Checks the pack ended with every object and its checksum. */
  end(): void {
    if (this.#finished) return;
    if (this.#length > 0) this.#parse();
    if (this.#finished) return;
    if (this.#count === undefined) throw new PackError('the pack ended before its header');
    if (this.#parsed < this.#count) {
      throw new PackError(`the pack ended after ${this.#parsed} of ${this.#count} objects`);
    }
    throw new PackError('the pack ended without its checksum');
  }

  #finish(buffer: Buffer): void {
    if (buffer.length > 20) throw new PackError('data after the end of the pack');
    const expected = this.#hash.digest();
    if (!expected.equals(buffer)) throw new PackError('pack checksum mismatch');
    if (this.#waitingCount > 0) {
      const bases = [...this.#waiting.keys()].slice(0, 3).join(', ');
      throw new PackError(`${this.#waitingCount} deltas have no base in the pack (e.g. ${bases})`);
    }
    this.#chunks = [];
    this.#length = 0;
    this.#finished = true;
  }

  /** Parses the object at `start`; its end, or undefined when more bytes are needed. */
  #object(buffer: Buffer, start: number): number | undefined {
    const offset = this.#offset + start;
    let position = start;
    let byte = buffer[position++];
    if (byte === undefined) return this.#wait(buffer);
    const type = (byte >> 4) & 7;
    let size = byte & 0x0f;
    let shift = 4;
    while (byte & 0x80) {
      byte = buffer[position++];
      if (byte === undefined) return this.#wait(buffer);
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > 53) throw new PackError(`object at offset ${offset} has an impossible size`);
    }
    let base: string | undefined;
    if (type === ofsDelta) {
      byte = buffer[position++];
      if (byte === undefined) return this.#wait(buffer);
      let distance = byte & 0x7f;
      while (byte & 0x80) {
        byte = buffer[position++];
        if (byte === undefined) return this.#wait(buffer);
        distance = (distance + 1) * 128 + (byte & 0x7f);
      }
      if (distance <= 0 || distance > offset)
        throw new PackError(`delta at offset ${offset} points outside the pack`);
      base = `@${offset - distance}`;
    } else if (type === refDelta) {
      if (buffer.length < position + 20) return this.#wait(buffer);
      base = buffer.toString('hex', position, position + 20);
      position += 20;
    } else if (typeNames[type] === undefined) {
      throw new PackError(`object at offset ${offset} has unknown type ${type}`);
    }
    let data: Buffer;
    let consumed: number;
    try {
      // `info` gives the engine too, whose bytesWritten is the compressed length consumed.
      const result = inflateSync(buffer.subarray(position), {
        info: true,
        maxOutputLength: Math.max(size, 1),
      }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      data = result.buffer;
      consumed = result.engine.bytesWritten;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'Z_BUF_ERROR') return this.#wait(buffer);
      throw new PackError(`object at offset ${offset} does not inflate: ${(error as Error).message}`);
    }
    if (data.length !== size) {
      throw new PackError(`object at offset ${offset} inflates to ${data.length} bytes, not ${size}`);
    }
    this.#parsed++;
    if (base === undefined) {
      this.#emit(offset, typeNames[type] as GitObjectType, data);
    } else {
      this.#resolve(base, { offset, delta: data });
    }
    return position + consumed;
  }

  /** No complete object yet: try again once twice as many bytes are buffered. */
  #wait(buffer: Buffer): undefined {
    this.#needed = Math.max(buffer.length * 2, batchBytes);
    return undefined;
  }

  #resolve(baseKey: string, pending: PendingDelta): void {
    const baseOid = baseKey.startsWith('@') ? this.#oidAt.get(Number(baseKey.slice(1))) : baseKey;
    const base = baseOid === undefined ? undefined : this.#options.bases(baseOid);
    if (base === undefined) {
      const list = this.#waiting.get(baseKey);
      if (list) list.push(pending);
      else this.#waiting.set(baseKey, [pending]);
      this.#waitingCount++;
      return;
    }
    let data: Buffer;
    try {
      data = applyDelta(base.data, pending.delta);
    } catch (error) {
      if (error instanceof DeltaError) {
        throw new PackError(`delta at offset ${pending.offset}: ${error.message}`);
      }
      throw error;
    }
    this.#emit(pending.offset, base.type, data);
  }

  #emit(offset: number, type: GitObjectType, data: Buffer): void {
    const oid = objectId(type, data);
    this.#oidAt.set(offset, oid);
    this.#options.onObject({ oid, type, data });
    for (const key of [`@${offset}`, oid]) {
      const waiting = this.#waiting.get(key);
      if (waiting === undefined) continue;
      this.#waiting.delete(key);
      this.#waitingCount -= waiting.length;
      for (const pending of waiting) this.#resolve(key, pending);
    }
  }
}

/** The SHA-1 object id: the hash of `<type> <size>\0<data>`. */
export function objectId(type: GitObjectType, data: Buffer): string {
  return createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest('hex');
}
