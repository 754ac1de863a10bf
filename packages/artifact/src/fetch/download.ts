import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { errorMessage } from '@weft/runtime/errors';
import { retry } from '@weft/runtime/retry';
import { formatDigest } from '../digest.ts';
import { ArtifactError, redactUrl } from '../errors.ts';

export interface DownloadOptions {
  url: string;
  /** The digest the bytes must have, `sha256:<hex>`. */
  digest: string;
  /** Where the verified bytes are written. */
  file: string;
  /** Per attempt, from the request until the last byte. */
  timeoutMs: number;
  /** Attempts after the first, on network errors, timeouts and 5xx. */
  retries: number;
  /** The ceiling of the first wait between attempts; doubled each time up to 30 s, jittered (runtime's backoffDelay). */
  backoffMs: number;
  maxSize: number;
}

/** Downloads `url` to `file` and checks its digest while the bytes stream in. */
export async function download(options: DownloadOptions): Promise<{ size: number }> {
  return retry(() => downloadOnce(options), {
    retries: options.retries,
    initialMs: options.backoffMs,
    maxMs: 30_000,
    retryable: (error) => error instanceof ArtifactError && isRetryable(error),
  });
}

function isRetryable(error: ArtifactError): boolean {
  if (error.code === 'Network' || error.code === 'Timeout') return true;
  return error.code === 'HttpStatus' && Number(error.details.status) >= 500;
}

async function downloadOnce(options: DownloadOptions): Promise<{ size: number }> {
  const where = redactUrl(options.url);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  try {
    const response = await fetch(options.url, { signal: controller.signal });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new ArtifactError('HttpStatus', `GET ${where}: HTTP ${response.status} ${response.statusText}`, {
        details: { url: where, status: response.status },
      });
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > options.maxSize) {
      await response.body.cancel();
      throw tooLarge(where, options.maxSize);
    }
    const hash = createHash('sha256');
    let size = 0;
    const verify = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > options.maxSize) {
          callback(tooLarge(where, options.maxSize));
          return;
        }
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      verify,
      createWriteStream(options.file),
    );
    const actual = formatDigest(hash.digest('hex'));
    if (actual !== options.digest) {
      throw new ArtifactError(
        'DigestMismatch',
        `artifact ${where} has digest ${actual}, expected ${options.digest}; it was changed or corrupted, nothing was extracted`,
        { details: { url: where, expected: options.digest, actual } },
      );
    }
    return { size };
  } catch (error) {
    if (error instanceof ArtifactError) throw error;
    if (timedOut) {
      throw new ArtifactError('Timeout', `GET ${where}: no complete response within ${options.timeoutMs}ms`, {
        details: { url: where, timeoutMs: options.timeoutMs },
      });
    }
    throw new ArtifactError('Network', `GET ${where}: ${describeNetworkError(error)}`, {
      cause: error,
      details: { url: where },
    });
  } finally {
    clearTimeout(timer);
  }
}

function tooLarge(where: string, maxSize: number): ArtifactError {
  return new ArtifactError('TooLarge', `artifact ${where} is larger than the limit of ${maxSize} bytes`, {
    details: { url: where, maxSize },
  });
}

function describeNetworkError(error: unknown): string {
  // fetch() wraps the socket error (ECONNREFUSED, ECONNRESET…) in `cause`.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return errorMessage(error);
}
