import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createGzip } from 'node:zlib';
import {
  ArtifactError,
  type ArtifactErrorCode,
  buildArtifact,
  type FetchOptions,
  fetchArtifact,
} from '@weft/artifact';
import { digestOf, type FixtureEntry, tarGzOf } from './archive.fixture.ts';
import { useRouteServer } from './routes.fixture.ts';

const local = useRouteServer('weft-fetch-test-');

let counter = 0;
function host(bytes: Buffer): { url: string; digest: string } {
  const path = `/artifact-${++counter}.tar.gz`;
  local.routes.set(path, (response) =>
    response.writeHead(200, { 'Content-Length': bytes.length }).end(bytes),
  );
  return { url: `${local.baseUrl}${path}`, digest: digestOf(bytes) };
}

function fresh(name: string): string {
  return join(local.scratch, `${name}-${++counter}`, 'out');
}

async function expectRefused(
  options: FetchOptions,
  code: ArtifactErrorCode,
  message: RegExp,
): Promise<ArtifactError> {
  let caught: unknown;
  await fetchArtifact(options).catch((error: unknown) => {
    caught = error;
  });
  assert.ok(caught instanceof ArtifactError, `expected an ArtifactError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  // Nothing is left behind: no dir, no temp dir beside it.
  const parent = join(options.dir, '..');
  assert.deepEqual(await readdir(parent).catch(() => []), []);
  return caught;
}

async function refuse(
  entries: FixtureEntry[],
  code: ArtifactErrorCode,
  message: RegExp,
  extra: Partial<FetchOptions> = {},
): Promise<void> {
  await expectRefused({ ...host(tarGzOf(entries)), dir: fresh('hostile'), ...extra }, code, message);
}

describe('fetchArtifact', () => {
  test('downloads, verifies and extracts an artifact built by buildArtifact', async () => {
    const source = join(local.scratch, 'source');
    await mkdir(join(source, 'deploy'), { recursive: true });
    await writeFile(join(source, 'deploy/app.yaml'), 'kind: Deployment\n');
    await writeFile(join(source, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    const built = await buildArtifact({ dir: source });
    const { url, digest } = host(await readFile(built.path));
    assert.equal(digest, built.digest);
    const dir = fresh('good');
    const result = await fetchArtifact({ url, digest, dir });
    assert.equal(await readFile(join(dir, 'deploy/app.yaml'), 'utf8'), 'kind: Deployment\n');
    assert.equal((await stat(join(dir, 'run.sh'))).mode & 0o777, 0o755);
    assert.equal(result.entries, 3);
    assert.equal(result.size, built.size);
    assert.deepEqual(await readdir(join(dir, '..')), ['out']);
  });

  test('replaces an existing directory as a whole', async () => {
    const dir = fresh('replace');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'stale.yaml'), 'old');
    await fetchArtifact({ ...host(tarGzOf([{ path: 'new.yaml', body: 'new' }])), dir });
    assert.deepEqual(await readdir(dir), ['new.yaml']);
    assert.deepEqual(await readdir(join(dir, '..')), ['out']);
  });

  test('keeps symlinks and hardlinks that stay inside', async () => {
    const dir = fresh('links');
    await fetchArtifact({
      ...host(
        tarGzOf([
          { path: 'a/', type: 'Directory', mode: 0o755 },
          { path: 'a/file.yaml', body: 'x' },
          { path: 'a/sym.yaml', type: 'SymbolicLink', linkpath: 'file.yaml' },
          { path: 'up', type: 'SymbolicLink', linkpath: 'a/../a' },
          { path: 'hard.yaml', type: 'Link', linkpath: 'a/file.yaml' },
        ]),
      ),
      dir,
    });
    assert.equal(await readlink(join(dir, 'a/sym.yaml')), 'file.yaml');
    assert.equal(await readFile(join(dir, 'up/sym.yaml'), 'utf8'), 'x');
    assert.equal((await stat(join(dir, 'hard.yaml'))).ino, (await stat(join(dir, 'a/file.yaml'))).ino);
  });

  test('a digest mismatch names both digests and extracts nothing', async () => {
    const bytes = tarGzOf([{ path: 'a.yaml', body: 'a' }]);
    const { url } = host(bytes);
    const expected = `sha256:${'0'.repeat(64)}`;
    const error = await expectRefused(
      { url, digest: expected, dir: fresh('mismatch') },
      'DigestMismatch',
      /digest/,
    );
    assert.match(error.message, new RegExp(expected));
    assert.match(error.message, new RegExp(digestOf(bytes)));
  });

  test('404 is not retried', async () => {
    let hits = 0;
    local.routes.set('/missing.tar.gz', (response) => {
      hits++;
      response.writeHead(404).end();
    });
    const error = await expectRefused(
      {
        url: `${local.baseUrl}/missing.tar.gz`,
        digest: digestOf(Buffer.from('x')),
        dir: fresh('404'),
        backoffMs: 1,
      },
      'HttpStatus',
      /HTTP 404/,
    );
    assert.equal(error.details.status, 404);
    assert.equal(hits, 1);
  });

  test('two 500s then success gives one successful fetch', async () => {
    const bytes = tarGzOf([{ path: 'ok.yaml', body: 'ok' }]);
    let hits = 0;
    local.routes.set('/flaky.tar.gz', (response) => {
      hits++;
      if (hits <= 2) response.writeHead(500).end();
      else response.writeHead(200).end(bytes);
    });
    const dir = fresh('flaky');
    await fetchArtifact({
      url: `${local.baseUrl}/flaky.tar.gz`,
      digest: digestOf(bytes),
      dir,
      retries: 2,
      backoffMs: 1,
    });
    assert.equal(hits, 3);
    assert.equal(await readFile(join(dir, 'ok.yaml'), 'utf8'), 'ok');
  });

  test('5xx beyond the retries is an error', async () => {
    local.routes.set('/down.tar.gz', (response) => response.writeHead(503).end());
    await expectRefused(
      {
        url: `${local.baseUrl}/down.tar.gz`,
        digest: digestOf(Buffer.from('x')),
        dir: fresh('down'),
        retries: 1,
        backoffMs: 1,
      },
      'HttpStatus',
      /HTTP 503/,
    );
  });

  test('a hanging server gives a timeout error', async () => {
    local.routes.set('/hang.tar.gz', () => {
      // Never answer.
    });
    await expectRefused(
      {
        url: `${local.baseUrl}/hang.tar.gz`,
        digest: digestOf(Buffer.from('x')),
        dir: fresh('hang'),
        timeoutMs: 200,
        retries: 0,
      },
      'Timeout',
      /within 200ms/,
    );
  });

  test('a refused connection is a network error; credentials stay out of the message', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await expectRefused(
      {
        url: `http://127.0.0.1:${port}/a.tar.gz?token=s3cr3t`,
        digest: digestOf(Buffer.from('x')),
        dir: fresh('refused'),
        retries: 1,
        backoffMs: 1,
      },
      'Network',
      /127\.0\.0\.1/,
    );
    assert.doesNotMatch(error.message, /s3cr3t/);
  });

  test('refuses path traversal', () =>
    refuse(
      [
        { path: 'ok.yaml', body: 'x' },
        { path: '../evil.yaml', body: 'x' },
      ],
      'UnsafePath',
      /"\.\.\/evil\.yaml".*"\.\."/,
    ));

  test('refuses a nested path traversal', () =>
    refuse([{ path: 'a/../../evil.yaml', body: 'x' }], 'UnsafePath', /contains "\.\."/));

  test('refuses an absolute path', () =>
    refuse([{ path: '/etc/evil.yaml', body: 'x' }], 'UnsafePath', /is absolute/));

  test('refuses a symlink escaping the root', () =>
    refuse([{ path: 'evil', type: 'SymbolicLink', linkpath: '../../etc' }], 'LinkEscape', /outside/));

  test('refuses an absolute symlink', () =>
    refuse([{ path: 'evil', type: 'SymbolicLink', linkpath: '/etc/passwd' }], 'LinkEscape', /outside/));

  test('refuses a file written through a symlink', () =>
    refuse(
      [
        { path: 'dir', type: 'SymbolicLink', linkpath: '.' },
        { path: 'dir/x.yaml', body: 'x' },
      ],
      'UnsafePath',
      /passes through the symlink "dir"/,
    ));

  test('refuses a symlink that escapes through a later symlink', () =>
    refuse(
      [
        { path: 'sub/', type: 'Directory', mode: 0o755 },
        { path: 'sub/a', type: 'SymbolicLink', linkpath: 'up/..' },
        { path: 'sub/up', type: 'SymbolicLink', linkpath: '..' },
      ],
      'LinkEscape',
      /leads outside/,
    ));

  test('refuses a hardlink escaping the root', () =>
    refuse(
      [{ path: 'evil', type: 'Link', linkpath: '../../etc/passwd' }],
      'LinkEscape',
      /"evil => \.\.\/\.\.\/etc\/passwd"/,
    ));

  test('refuses a hardlink to an absolute path', () =>
    refuse([{ path: 'evil', type: 'Link', linkpath: '/etc/passwd' }], 'LinkEscape', /is absolute/));

  test('refuses a hardlink to a symlink', () =>
    refuse(
      [
        { path: 'sub/', type: 'Directory', mode: 0o755 },
        { path: 'sub/l', type: 'SymbolicLink', linkpath: '..' },
        { path: 'copy', type: 'Link', linkpath: 'sub/l' },
      ],
      'LinkEscape',
      /other than a file/,
    ));

  for (const type of ['CharacterDevice', 'BlockDevice', 'FIFO'] as const) {
    test(`refuses a ${type} entry`, () =>
      refuse([{ path: 'dev', type, devmaj: 1, devmin: 3 }], 'UnsupportedEntry', new RegExp(`is a ${type}`)));
  }

  test('refuses too many files', () =>
    refuse(
      Array.from({ length: 11 }, (_, index) => ({ path: `f${index}.yaml`, body: 'x' })),
      'TooManyFiles',
      /more than 10 entries/,
      { maxFiles: 10 },
    ));

  test('refuses files adding up beyond maxSize', () =>
    refuse(
      [
        { path: 'a.bin', body: Buffer.alloc(600) },
        { path: 'b.bin', body: Buffer.alloc(600) },
      ],
      'TooLarge',
      /more than the limit of 1000 bytes \(at "b\.bin"\)/,
      { maxSize: 1000 },
    ));

  test('refuses a download larger than maxSize', () =>
    refuse([{ path: 'a.bin', body: Buffer.alloc(600) }], 'TooLarge', /larger than the limit of 100 bytes/, {
      maxSize: 100,
    }));

  test('a gzip bomb stops at the cap instead of inflating everything', async () => {
    // A small valid archive followed by 256 MiB of zeros: ~250 KiB compressed.
    const bombSize = 256 * 1024 * 1024;
    const gzip = createGzip({ level: 9 });
    const chunks: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise((resolve) => gzip.on('end', resolve));
    const { tarOf } = await import('./archive.fixture.ts');
    gzip.write(tarOf([{ path: 'a.yaml', body: 'x' }]));
    const zeros = Buffer.alloc(1024 * 1024);
    for (let written = 0; written < bombSize; written += zeros.length) gzip.write(zeros);
    gzip.end();
    await done;
    const bomb = Buffer.concat(chunks);
    const maxSize = 1024 * 1024;
    const error = await expectRefused(
      { ...host(bomb), dir: fresh('bomb'), maxSize },
      'TooLarge',
      /inflates beyond the limit/,
    );
    assert.ok(Number(error.details.uncompressedBytesRead) < 4 * maxSize, JSON.stringify(error.details));
  });

  test('refuses bytes that are not gzip', async () => {
    const bytes = Buffer.from('plain text, not an archive');
    await expectRefused({ ...host(bytes), dir: fresh('notgz') }, 'InvalidArchive', /not a valid/);
  });

  test('refuses a truncated archive', async () => {
    const bytes = tarGzOf([{ path: 'a.bin', body: Buffer.alloc(4096, 1) }]).subarray(0, 40);
    await expectRefused({ ...host(bytes), dir: fresh('truncated') }, 'InvalidArchive', /not a valid/);
  });
});
