/**
 * Git's delta format (gitformat-pack "Deltified representation"): the base size and result
 * size as little-endian base-128 varints, then instructions that copy a range of the base
 * (high bit set) or insert the next 1–127 literal bytes.
 */

export class DeltaError extends Error {}

function readSize(delta: Buffer, start: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let offset = start;
  for (;;) {
    const byte = delta[offset++];
    if (byte === undefined) throw new DeltaError('delta truncated in its header');
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next: offset };
    if (shift > 49) throw new DeltaError('delta size too large');
  }
}

/** The object `delta` describes on top of `base`. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  const baseSize = readSize(delta, 0);
  if (baseSize.value !== base.length) {
    throw new DeltaError(`delta expects a base of ${baseSize.value} bytes, the base has ${base.length}`);
  }
  const resultSize = readSize(delta, baseSize.next);
  const result = Buffer.allocUnsafe(resultSize.value);
  let written = 0;
  let offset = resultSize.next;
  while (offset < delta.length) {
    const op = delta[offset++] as number;
    if (op & 0x80) {
      let copyOffset = 0;
      let copySize = 0;
      for (let bit = 0; bit < 4; bit++) {
        if (op & (1 << bit)) copyOffset += readByte(delta, offset++) * 2 ** (8 * bit);
      }
      for (let bit = 0; bit < 3; bit++) {
        if (op & (0x10 << bit)) copySize += readByte(delta, offset++) << (8 * bit);
      }
      if (copySize === 0) copySize = 0x10000;
      if (copyOffset + copySize > base.length || written + copySize > result.length) {
        throw new DeltaError('delta copies beyond its base or its result');
      }
      base.copy(result, written, copyOffset, copyOffset + copySize);
      written += copySize;
    } else if (op !== 0) {
      if (offset + op > delta.length || written + op > result.length) {
        throw new DeltaError('delta inserts beyond its data or its result');
      }
      delta.copy(result, written, offset, offset + op);
      offset += op;
      written += op;
    } else {
      throw new DeltaError('delta has the reserved instruction 0');
    }
  }
  if (written !== result.length) {
    throw new DeltaError(`delta gives ${written} bytes, its header says ${result.length}`);
  }
  return result;
}

function readByte(delta: Buffer, offset: number): number {
  const byte = delta[offset];
  if (byte === undefined) throw new DeltaError('delta truncated in a copy instruction');
  return byte;
}
