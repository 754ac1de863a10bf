/**
 * Git's pkt-line framing (gitprotocol-common): four hex digits of length (including themselves),
 * then the payload; `0000` flush, `0001` delimiter, `0002` response end.
 */

export type Packet =
  | { kind: 'data'; payload: Buffer }
  | { kind: 'flush' }
  | { kind: 'delim' }
  | { kind: 'response-end' };

/** Longest packet the protocol allows (65520 bytes with its length). */
const maxPacketLength = 65520;

/** One data packet holding `text` (a trailing LF is added when missing). */
export function pktLine(text: string): Buffer {
  const payload = Buffer.from(text.endsWith('\n') ? text : `${text}\n`, 'utf8');
  const length = payload.length + 4;
  if (length > maxPacketLength) throw new RangeError(`pkt-line too long (${length} bytes)`);
  return Buffer.concat([Buffer.from(length.toString(16).padStart(4, '0'), 'ascii'), payload]);
}

export const flushPkt: Buffer = Buffer.from('0000', 'ascii');
export const delimPkt: Buffer = Buffer.from('0001', 'ascii');

/** Thrown for bytes that are not pkt-lines; the caller adds the server's name. */
export class PktLineError extends Error {}

/**
 * Reads packets from a byte stream chunked any way. Payloads are views into the received
 * chunks where a packet fits in one, so the pack stream is not copied on its way through.
 */
export class PktLineReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #buffer: Buffer = Buffer.alloc(0);
  #ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** The next packet, or undefined at the end of the stream (a clean end between packets). */
  async next(): Promise<Packet | undefined> {
    if (!(await this.#fill(4))) {
      if (this.#buffer.length === 0) return undefined;
      throw new PktLineError('stream ended inside a pkt-line length');
    }
    const hex = this.#buffer.toString('ascii', 0, 4);
    if (!/^[0-9a-f]{4}$/i.test(hex)) {
      throw new PktLineError(`invalid pkt-line length ${JSON.stringify(hex)}`);
    }
    const length = Number.parseInt(hex, 16);
    if (length < 4) {
      this.#buffer = this.#buffer.subarray(4);
      if (length === 0) return { kind: 'flush' };
      if (length === 1) return { kind: 'delim' };
      if (length === 2) return { kind: 'response-end' };
      throw new PktLineError('invalid pkt-line length 0003');
    }
    if (!(await this.#fill(length))) throw new PktLineError('stream ended inside a pkt-line');
    const payload = this.#buffer.subarray(4, length);
    this.#buffer = this.#buffer.subarray(length);
    return { kind: 'data', payload };
  }

  /** Makes at least `bytes` bytes available; false when the stream ends first. */
  async #fill(bytes: number): Promise<boolean> {
    while (this.#buffer.length < bytes) {
      if (this.#ended) return false;
      const { value, done } = await this.#source.next();
      if (done) {
        this.#ended = true;
        return false;
      }
      const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    }
    return true;
  }

  /** Stops reading the source (on error or early exit). */
  async close(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      await this.#source.return?.();
    }
  }
}

/** A data packet's payload as text without its trailing LF. */
export function packetText(payload: Buffer): string {
  const text = payload.toString('utf8');
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
