import type { HttpClient } from 'isomorphic-git';
import { delimPkt, flushPkt, PktLineError, PktLineReader, packetText, pktLine } from './pkt-line.ts';

/**
 * A shallow fetch of one commit over protocol v2 (gitprotocol-v2 `fetch`), with the pack handed
 * on chunk by chunk as it arrives, never held whole.
 */

export interface FetchPackOptions {
  http: HttpClient;
  /** The repository URL as the HTTP plugin takes it (no trailing slash). */
  url: string;
  /** The objects to fetch: the commit, and the annotated tag pointing at it when wanted. */
  wants: readonly string[];
  /** History depth; 1 for the commit alone. */
  depth: number;
  /** Receives the pack bytes in order; awaited, so it can hold the stream back. */
  onPack: (chunk: Buffer) => void | Promise<void>;
}

/** The server does not answer protocol v2 `fetch` as expected before any pack data: use another way. */
export class FetchUnsupported extends Error {}

/** The server reported an error, or sent something that is not the protocol. */
export class FetchProtocolError extends Error {}

/** An error shaped as isomorphic-git's HttpError, so Remote.translate names the status. */
class HttpStatusError extends Error {
  readonly code = 'HttpError';
  readonly data: { statusCode: number; statusMessage: string };

  constructor(statusCode: number, statusMessage: string) {
    super(`HTTP Error: ${statusCode} ${statusMessage}`);
    this.data = { statusCode, statusMessage };
  }
}

const sections = new Set(['acknowledgments', 'shallow-info', 'wanted-refs', 'packfile-uris', 'packfile']);

export function fetchRequest(wants: readonly string[], depth: number): Buffer {
  return Buffer.concat([
    pktLine('command=fetch'),
    delimPkt,
    pktLine('ofs-delta'),
    pktLine('no-progress'),
    pktLine(`deepen ${depth}`),
    ...wants.map((want) => pktLine(`want ${want}`)),
    pktLine('done'),
    flushPkt,
  ]);
}

export async function fetchPack(options: FetchPackOptions): Promise<void> {
  const body = fetchRequest(options.wants, options.depth);
  const response = await options.http.request({
    url: `${options.url}/git-upload-pack`,
    method: 'POST',
    headers: {
      'content-type': 'application/x-git-upload-pack-request',
      accept: 'application/x-git-upload-pack-result',
      'git-protocol': 'version=2',
    },
    body: (async function* () {
      yield body;
    })(),
  });
  const status = response.statusCode;
  if (status === 401 || status === 403 || status === 404) {
    throw new HttpStatusError(status, response.statusMessage);
  }
  if (status !== 200 || response.body === undefined) {
    throw new FetchUnsupported(`upload-pack answered HTTP ${status}`);
  }
  const reader = new PktLineReader(response.body);
  try {
    await readResponse(reader, options.onPack);
  } finally {
    await reader.close();
  }
}

async function readResponse(
  reader: PktLineReader,
  onPack: (chunk: Buffer) => void | Promise<void>,
): Promise<void> {
  let packStarted = false;
  const fail = (message: string): never => {
    if (packStarted) throw new FetchProtocolError(message);
    throw new FetchUnsupported(message);
  };
  let section: string | undefined;
  for (;;) {
    let packet: Awaited<ReturnType<PktLineReader['next']>>;
    try {
      packet = await reader.next();
    } catch (error) {
      if (error instanceof PktLineError) fail(error.message);
      throw error;
    }
    if (packet === undefined) {
      if (section === 'packfile') throw new FetchProtocolError('the response ended inside the pack');
      return fail('the response ended before the pack');
    }
    if (packet.kind === 'flush' || packet.kind === 'response-end') {
      if (section === 'packfile') return;
      return fail('the response ended before the pack');
    }
    if (packet.kind === 'delim') {
      section = undefined;
      continue;
    }
    const payload = packet.payload;
    if (section === 'packfile') {
      const band = payload[0];
      if (band === 1) {
        await onPack(payload.subarray(1));
      } else if (band === 3) {
        throw new FetchProtocolError(`the server failed: ${packetText(payload.subarray(1)).trim()}`);
      } else if (band !== 2) {
        throw new FetchProtocolError(`unknown side-band ${String(band)} in the pack`);
      }
      continue;
    }
    const text = packetText(payload);
    if (text.startsWith('ERR ')) return fail(`the server refused the fetch: ${text.slice(4)}`);
    if (section === undefined) {
      if (!sections.has(text)) return fail(`unexpected response ${JSON.stringify(text.slice(0, 40))}`);
      section = text;
      if (section === 'packfile') packStarted = true;
      else if (section === 'packfile-uris') return fail('the server offers packfile URIs');
    }
    // Lines of shallow-info, acknowledgments and wanted-refs carry nothing this fetch needs.
  }
}
