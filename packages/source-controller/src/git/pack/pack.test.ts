import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import type { HttpClient } from 'isomorphic-git';
import { applyDelta } from './delta.ts';
import { FetchProtocolError, FetchUnsupported, fetchPack } from './fetch.ts';
import { type GitObject, objectId, PackError, type PackObject, PackParser } from './pack-parser.ts';
import { PktLineReader, pktLine } from './pkt-line.ts';

const typeCodes = { commit: 1, tree: 2, blob: 3, tag: 4 } as const;

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return bytes;
}

function objectHeader(type: number, size: number): Buffer {
  const bytes = [(type << 4) | (size & 0x0f)];
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    (bytes[bytes.length - 1] as number) |= 0x80;
    bytes.push(rest & 0x7f);
    rest = Math.floor(rest / 128);
  }
  return Buffer.from(bytes);
}

function ofsDistance(distance: number): Buffer {
  const bytes = [distance & 0x7f];
  let rest = Math.floor(distance / 128);
  while (rest > 0) {
    rest -= 1;
    bytes.unshift(0x80 | (rest & 0x7f));
    rest = Math.floor(rest / 128);
  }
  return Buffer.from(bytes);
}

/** A delta that copies base[copyFrom, copyFrom+copyLength) then inserts `literal`. */
function delta(base: Buffer, copyFrom: number, copyLength: number, literal: string): Buffer {
  const insert = Buffer.from(literal);
  return Buffer.from([
    ...varint(base.length),
    ...varint(copyLength + insert.length),
    0x80 | 0x01 | 0x02 | 0x10 | 0x20,
    copyFrom & 0xff,
    copyFrom >> 8,
    copyLength & 0xff,
    copyLength >> 8,
    insert.length,
    ...insert,
  ]);
}

type Entry =
  | { kind: 'whole'; type: keyof typeof typeCodes; data: Buffer }
  | { kind: 'ofs'; baseIndex: number; delta: Buffer }
  | { kind: 'ref'; baseOid: string; delta: Buffer };

function buildPack(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 12;
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(entries.length, 8);
  parts.push(header);
  for (const entry of entries) {
    offsets.push(offset);
    let head: Buffer;
    let body: Buffer;
    if (entry.kind === 'whole') {
      head = objectHeader(typeCodes[entry.type], entry.data.length);
      body = entry.data;
    } else if (entry.kind === 'ofs') {
      head = Buffer.concat([
        objectHeader(6, entry.delta.length),
        ofsDistance(offset - (offsets[entry.baseIndex] as number)),
      ]);
      body = entry.delta;
    } else {
      head = Buffer.concat([objectHeader(7, entry.delta.length), Buffer.from(entry.baseOid, 'hex')]);
      body = entry.delta;
    }
    const object = Buffer.concat([head, deflateSync(body)]);
    parts.push(object);
    offset += object.length;
  }
  const pack = Buffer.concat(parts);
  return Buffer.concat([pack, createHash('sha1').update(pack).digest()]);
}

function parse(pack: Buffer, chunkSize: number): PackObject[] {
  const objects = new Map<string, GitObject>();
  const out: PackObject[] = [];
  const parser = new PackParser({
    onObject: (object) => {
      objects.set(object.oid, object);
      out.push(object);
    },
    bases: (oid) => objects.get(oid),
  });
  for (let i = 0; i < pack.length; i += chunkSize) parser.push(pack.subarray(i, i + chunkSize));
  parser.end();
  return out;
}

const base = Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\n'.repeat(40));
const baseOid = objectId('blob', base);
const big = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `line ${i * 7919}\n`).join(''));

describe('pack parser', () => {
  const pack = buildPack([
    { kind: 'whole', type: 'blob', data: base },
    { kind: 'ofs', baseIndex: 0, delta: delta(base, 10, 300, 'tail one') },
    // A ref delta whose base comes later in the pack: resolved once the base arrives.
    { kind: 'ref', baseOid: objectId('blob', big), delta: delta(big, 0, 1000, '!') },
    { kind: 'whole', type: 'blob', data: big },
    { kind: 'ref', baseOid, delta: delta(base, 0, 5, 'x') },
  ]);
  const expected = [
    base,
    Buffer.concat([base.subarray(10, 310), Buffer.from('tail one')]),
    big,
    Buffer.concat([big.subarray(0, 1000), Buffer.from('!')]),
    Buffer.concat([base.subarray(0, 5), Buffer.from('x')]),
  ];

  for (const chunkSize of [1, 7, 4096, pack.length]) {
    it(`gives every object with deltas applied and ids computed (chunks of ${chunkSize} bytes)`, () => {
      const objects = parse(pack, chunkSize);
      assert.deepEqual(
        objects.map((object) => object.data.toString()),
        expected.map((data) => data.toString()),
      );
      for (const object of objects) {
        assert.equal(object.type, 'blob');
        assert.equal(object.oid, objectId('blob', object.data));
      }
    });
  }

  it('computes git object ids', () => {
    // `git hash-object` of "hello\n".
    assert.equal(objectId('blob', Buffer.from('hello\n')), 'ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('refuses a pack with a wrong checksum, a truncated pack and a missing delta base', () => {
    const corrupt = Buffer.from(pack);
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 0xff;
    assert.throws(() => parse(corrupt, 4096), PackError);
    assert.throws(() => parse(pack.subarray(0, pack.length - 30), 4096), /ended/);
    const orphan = buildPack([{ kind: 'ref', baseOid: 'ab'.repeat(20), delta: delta(base, 0, 5, 'x') }]);
    assert.throws(() => parse(orphan, 4096), /no base in the pack/);
    assert.throws(() => parse(Buffer.from('PACX\0\0\0\x02\0\0\0\0'), 64), /not a packfile/);
  });

  it('refuses a delta that does not fit its base', () => {
    assert.throws(() => applyDelta(Buffer.from('short'), delta(base, 0, 5, 'x')), /base of/);
    const beyond = delta(base, base.length - 2, 5, '');
    assert.throws(() => applyDelta(base, beyond), /beyond/);
  });
});

describe('pkt-line reader', () => {
  async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
    for (const part of parts) yield Buffer.from(part);
  }

  it('reads packets split anywhere across chunks, and special packets', async () => {
    const reader = new PktLineReader(chunks('00', '0a', 'hello', '\n0001000', '00002'));
    assert.deepEqual(await reader.next(), { kind: 'data', payload: Buffer.from('hello\n') });
    assert.deepEqual(await reader.next(), { kind: 'delim' });
    assert.deepEqual(await reader.next(), { kind: 'flush' });
    assert.deepEqual(await reader.next(), { kind: 'response-end' });
    assert.equal(await reader.next(), undefined);
  });

  it('refuses a bad length and a stream that ends inside a packet', async () => {
    await assert.rejects(new PktLineReader(chunks('zzzz')).next(), /invalid pkt-line length/);
    await assert.rejects(new PktLineReader(chunks('0010abc')).next(), /ended inside/);
  });
});

describe('protocol v2 fetch', () => {
  function serverAnswering(status: number, ...body: Buffer[]): HttpClient {
    return {
      async request(req) {
        return {
          url: req.url,
          method: 'POST',
          statusCode: status,
          statusMessage: '',
          headers: {},
          body: (async function* () {
            yield* body;
          })(),
        };
      },
    };
  }
  const band = (n: number, data: Buffer | string) => {
    const payload = Buffer.concat([Buffer.from([n]), Buffer.from(data)]);
    return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
  };
  const fetchWith = (http: HttpClient, received: Buffer[] = []) =>
    fetchPack({
      http,
      url: 'http://x/repo',
      wants: ['a'.repeat(40)],
      depth: 1,
      onPack: (c) => void received.push(c),
    });

  it('hands on the pack from side-band 1, skipping shallow-info and progress', async () => {
    const received: Buffer[] = [];
    await fetchWith(
      serverAnswering(
        200,
        pktLine('shallow-info'),
        pktLine(`shallow ${'a'.repeat(40)}`),
        Buffer.from('0001'),
        pktLine('packfile'),
        band(2, 'counting objects\n'),
        band(1, 'PACK'),
        band(1, 'rest'),
        Buffer.from('0000'),
      ),
      received,
    );
    assert.equal(Buffer.concat(received).toString(), 'PACKrest');
  });

  it('falls back before the pack, fails after it started', async () => {
    await assert.rejects(fetchWith(serverAnswering(200, pktLine('ERR unknown command'))), FetchUnsupported);
    await assert.rejects(fetchWith(serverAnswering(200, pktLine('NAK'))), FetchUnsupported);
    await assert.rejects(fetchWith(serverAnswering(500)), FetchUnsupported);
    await assert.rejects(fetchWith(serverAnswering(401)), (error: { data?: { statusCode?: number } }) => {
      assert.equal(error.data?.statusCode, 401);
      return true;
    });
    await assert.rejects(
      fetchWith(serverAnswering(200, pktLine('packfile'), band(1, 'PACK'), band(3, 'pack-objects died'))),
      (error: unknown) => error instanceof FetchProtocolError && /pack-objects died/.test(error.message),
    );
    await assert.rejects(
      fetchWith(serverAnswering(200, pktLine('packfile'), band(1, 'PACK'))),
      FetchProtocolError,
    );
  });
});
