import { Transform, type TransformCallback } from 'node:stream';

/**
 * The gzip member header with every variable field fixed: no mtime (bytes 4–7 zero), no file
 * name, XFL 0 and OS 3 (Unix), as `gzip -n` on Linux writes it. Node's own gzip stream would
 * write the same today, but we frame raw deflate ourselves so that no platform default can
 * change the digest.
 */
export const gzipHeader: Buffer = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);

/** Wraps raw deflate output in a gzip member: the fixed header first, CRC32 and ISIZE last. */
export class GzipFraming extends Transform {
  readonly #trailer: () => { crc: number; size: number };

  /** `trailer` is read at the end, once all uncompressed input has been counted. */
  constructor(trailer: () => { crc: number; size: number }) {
    super();
    this.#trailer = trailer;
    this.push(gzipHeader);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { crc, size } = this.#trailer();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    // ISIZE is the uncompressed size modulo 2^32 (RFC 1952).
    trailer.writeUInt32LE(size % 0x1_0000_0000, 4);
    callback(null, trailer);
  }
}
