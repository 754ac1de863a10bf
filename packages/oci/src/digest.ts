/** Content digests: `sha256:<hex>` of bytes, and a stream check of a blob against its descriptor. */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { OciError } from './errors.ts';
import type { Descriptor } from './manifest.ts';

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Counts and hashes a blob as it streams; fails as soon as it grows past its size. */
export class DigestCheck extends Transform {
  readonly #hash = createHash('sha256');
  readonly #descriptor: Descriptor;
  readonly #maxSize: number;
  readonly #repository: string;
  #size = 0;

  constructor(descriptor: Descriptor, maxSize: number, repository: string) {
    super();
    this.#descriptor = descriptor;
    this.#maxSize = maxSize;
    this.#repository = repository;
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ): void {
    this.#size += chunk.length;
    if (this.#size > this.#descriptor.size || this.#size > this.#maxSize) {
      callback(
        new OciError(
          'DigestMismatch',
          `blob ${this.#repository}@${this.#descriptor.digest} is larger than its descriptor's ${this.#descriptor.size} bytes`,
        ),
      );
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  verify(): void {
    const digest = `sha256:${this.#hash.digest('hex')}`;
    if (this.#size !== this.#descriptor.size || digest !== this.#descriptor.digest)
      throw new OciError(
        'DigestMismatch',
        `blob ${this.#repository}@${this.#descriptor.digest} has digest ${digest} (${this.#size} bytes): refused`,
      );
  }
}
