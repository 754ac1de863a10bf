// The HTTP transport against a plain git server: resolving references, checkouts and the shallow
// fetch; credentials, TLS and network failures are in http-auth.test.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildArtifact } from '@weft/artifact';
import { type GitHttpServer, listenOnLoopback, startGitHttpServer } from '@weft/e2e';
import { expectGitError } from './git.fixture.ts';
import { checkout, fetchSource, remoteRevision } from './index.ts';

let server: GitHttpServer;
let workDir: string;
let mainSha: string;
let firstSha: string;

let counter = 0;
const outDir = () => join(workDir, `out-${counter++}`);

before(async () => {
  server = await startGitHttpServer();
  workDir = await mkdtemp(join(tmpdir(), 'weft-git-test-'));
  firstSha = await server.createRepo('app', {
    'deploy/app.yaml': 'kind: ConfigMap\n',
    'logo.png': 'not really a png',
    '.github/workflows/ci.yml': 'on: push\n',
    '.sourceignore': 'scratch/\n',
    'scratch/notes.txt': 'x',
    'apps/.sourceignore': '*.tmp\n',
    'apps/a.tmp': 'tmp',
    'apps/a.yaml': 'a',
  });
  await server.tag('app', 'v1.0.0', { annotated: true, message: 'release 1.0.0' });
  mainSha = await server.commit('app', { 'deploy/second.yaml': 'second' }, 'second');
  await server.tag('app', 'v1.1.0');
  await server.tag('app', 'v2.0.0-rc.1');
  await server.tag('app', 'not-a-version');
  await server.repos.git('app', ['update-ref', 'refs/pull/1/head', firstSha]);
  await server.branch('app', 'feature', { from: firstSha });
  await server.commit('app', { 'feature.yaml': 'f' }, 'feature work', { branch: 'feature' });
});

after(async () => {
  await server.stop();
  await rm(workDir, { recursive: true, force: true });
});

describe('resolving a reference on the remote', () => {
  it('gives branch, tag (peeled), semver and name revisions without fetching objects', async () => {
    const url = server.url('app');
    const before = server.requests.length;
    assert.equal((await remoteRevision({ url, ref: { branch: 'main' } })).revision, `main@sha1:${mainSha}`);
    const posts = server.requests.slice(before).filter((request) => request.method === 'POST');
    assert.ok(posts.length <= 1, 'one ls-refs exchange');
    assert.equal((await remoteRevision({ url, ref: { tag: 'v1.0.0' } })).revision, `v1.0.0@sha1:${firstSha}`);
    assert.equal(
      (await remoteRevision({ url, ref: { semver: '>=1.0.0 <2.0.0' } })).revision,
      `v1.1.0@sha1:${mainSha}`,
    );
    assert.equal(
      (await remoteRevision({ url, ref: { semver: '<1.1.0' } })).revision,
      `v1.0.0@sha1:${firstSha}`,
    );
    assert.equal(
      (await remoteRevision({ url, ref: { name: 'refs/pull/1/head' } })).revision,
      `refs/pull/1/head@sha1:${firstSha}`,
    );
    assert.equal((await remoteRevision({ url, ref: { commit: firstSha } })).revision, `sha1:${firstSha}`);
  });

  it('names a missing branch and a missing tag', async () => {
    const url = server.url('app');
    await expectGitError(
      remoteRevision({ url, ref: { branch: 'nope' } }),
      'RefNotFound',
      /branch "nope" not found/,
    );
    await expectGitError(remoteRevision({ url, ref: { tag: 'v9' } }), 'RefNotFound', /tag "v9" not found/);
    await expectGitError(
      remoteRevision({ url: server.url('missing'), ref: { branch: 'main' } }),
      'RefNotFound',
      /not found/,
    );
  });

  it('lists tags it saw when no tag matches a semver range', async () => {
    const error = await expectGitError(
      remoteRevision({ url: server.url('app'), ref: { semver: '>=3.0.0' } }),
      'NoMatchingTag',
      /no tag .* matches semver range ">=3.0.0" \(4 tags seen, e\.g\. .*v1\.1\.0/,
    );
    assert.ok(Array.isArray(error.details.tags));
  });
});

describe('checkout', () => {
  it('writes the branch tree with the default ignore list and .sourceignore files applied', async () => {
    const dir = outDir();
    const result = await checkout({ url: server.url('app'), ref: { branch: 'main' }, dir });
    assert.equal(result.revision, `main@sha1:${mainSha}`);
    const files = (await readdir(dir, { recursive: true })).sort();
    assert.deepEqual(files, [
      '.sourceignore',
      'apps',
      'apps/.sourceignore',
      'apps/a.yaml',
      'deploy',
      'deploy/app.yaml',
      'deploy/second.yaml',
    ]);
    assert.equal(await readFile(join(dir, 'deploy/second.yaml'), 'utf8'), 'second');
  });

  it('replaces the defaults with spec.ignore', async () => {
    const dir = outDir();
    await checkout({ url: server.url('app'), ref: { branch: 'main' }, dir, ignore: 'deploy/\n' });
    const files = (await readdir(dir, { recursive: true })).sort();
    assert.ok(files.includes('logo.png'));
    assert.ok(files.includes('.github/workflows/ci.yml'));
    assert.ok(!files.includes('deploy'));
    assert.ok(!files.includes('apps/a.tmp'));
  });

  it('checks out an annotated tag at its commit', async () => {
    const dir = outDir();
    const result = await checkout({ url: server.url('app'), ref: { tag: 'v1.0.0' }, dir });
    assert.equal(result.commit, firstSha);
    await assert.rejects(stat(join(dir, 'deploy/second.yaml')));
  });

  it('checks out the highest tag in a semver range and a pull request ref', async () => {
    const semverResult = await checkout({ url: server.url('app'), ref: { semver: '1.x' }, dir: outDir() });
    assert.equal(semverResult.revision, `v1.1.0@sha1:${mainSha}`);
    const pull = await checkout({ url: server.url('app'), ref: { name: 'refs/pull/1/head' }, dir: outDir() });
    assert.equal(pull.revision, `refs/pull/1/head@sha1:${firstSha}`);
  });

  it('checks out a commit, and refuses one that is not on the given branch', async () => {
    const onMain = await checkout({
      url: server.url('app'),
      ref: { branch: 'main', commit: firstSha },
      dir: outDir(),
    });
    assert.equal(onMain.revision, `main@sha1:${firstSha}`);
    const bare = await checkout({ url: server.url('app'), ref: { commit: mainSha }, dir: outDir() });
    assert.equal(bare.revision, `sha1:${mainSha}`);
    await expectGitError(
      checkout({ url: server.url('app'), ref: { branch: 'feature', commit: mainSha }, dir: outDir() }),
      'RefNotFound',
      new RegExp(`commit ${mainSha} not found on branch "feature"`),
    );
  });

  it('keeps the execute bit', async () => {
    await server.createRepo('exec', { 'run.sh': '#!/bin/sh\n' });
    const bare = server.repos.path('exec');
    // fast-import commits 100644 only; flip the mode with a second commit through git itself.
    const clone = join(workDir, 'exec-clone');
    const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: workDir };
    execFileSync('git', ['clone', '-q', bare, clone], { env });
    execFileSync('git', ['-C', clone, 'update-index', '--chmod=+x', 'run.sh'], { env });
    execFileSync('git', ['-C', clone, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'x'], {
      env,
    });
    execFileSync('git', ['-C', clone, 'push', '-q', 'origin', 'main'], { env });
    const dir = outDir();
    await checkout({ url: server.url('exec'), ref: { branch: 'main' }, dir });
    assert.equal((await stat(join(dir, 'run.sh'))).mode & 0o111, 0o111);
  });

  it('refuses a repository over the size cap', async () => {
    await server.createRepo('big', { 'blob.bin': randomBytes(256 * 1024) });
    await expectGitError(
      checkout({
        url: server.url('big'),
        ref: { branch: 'main' },
        dir: outDir(),
        limits: { maxFetchBytes: 64 * 1024 },
      }),
      'TooLarge',
      /repository too large/,
    );
    await expectGitError(
      checkout({
        url: server.url('big'),
        ref: { branch: 'main' },
        dir: outDir(),
        limits: { maxCheckoutBytes: 1024 },
      }),
      'TooLarge',
      /checkout exceeds/,
    );
  });
});

describe('shallow fetch straight to an artifact', () => {
  it('gives the same artifact bytes as a checkout on disk (symlinks, execute bits, ignore rules)', async () => {
    await server.createRepo('links', { 'deploy/app.yaml': 'a\n', 'run.sh': '#!/bin/sh\n', 'x.png': 'img' });
    const clone = join(workDir, 'links-clone');
    const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: workDir };
    execFileSync('git', ['clone', '-q', server.repos.path('links'), clone], { env });
    chmodSync(join(clone, 'run.sh'), 0o755);
    symlinkSync('deploy/app.yaml', join(clone, 'link.yaml'));
    symlinkSync('../../outside', join(clone, 'escape'));
    writeFileSync(join(clone, 'deploy', 'copy.yaml'), 'a\n');
    writeFileSync(join(clone, 'deploy', '.sourceignore'), 'skip-*\n');
    writeFileSync(join(clone, 'deploy', 'skip-me.yaml'), 's');
    execFileSync('git', ['-C', clone, 'add', '-A'], { env });
    execFileSync('git', ['-C', clone, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'x'], {
      env,
    });
    execFileSync('git', ['-C', clone, 'push', '-q', 'origin', 'main'], { env });
    const options = { url: server.url('links'), ref: { branch: 'main' } };

    const dir = outDir();
    const onDisk = await checkout({ ...options, dir });
    const fromDisk = await buildArtifact({
      dir,
      filter: (path, isDir) => !onDisk.ignoreRules.excludes(path, isDir),
      escapingSymlinks: 'skip',
    });
    assert.equal((await stat(join(dir, 'run.sh'))).mode & 0o111, 0o111);
    assert.deepEqual(await readdir(join(dir, 'deploy')), ['.sourceignore', 'app.yaml', 'copy.yaml']);

    const source = await fetchSource({ ...options, dir: outDir() });
    try {
      assert.ok(source.entries, 'a shallow fetch hands back entries');
      assert.equal(source.revision, onDisk.revision);
      assert.equal(source.files, onDisk.files);
      const fromEntries = await buildArtifact({
        dir,
        entries: source.entries,
        filter: (path, isDir) => !source.ignoreRules.excludes(path, isDir),
        escapingSymlinks: 'skip',
      });
      assert.equal(fromEntries.digest, fromDisk.digest);
      assert.deepEqual(readFileSync(fromEntries.path), readFileSync(fromDisk.path));
    } finally {
      await source.dispose();
    }
  });

  it('falls back to a protocol v1 fetch when the server refuses protocol v2 fetch', async () => {
    let refused = 0;
    const proxy = createHttpServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      if (body.includes('command=fetch')) {
        refused++;
        res.writeHead(400).end('protocol v2 fetch is not for you');
        return;
      }
      const upstream = httpRequest(
        { host: server.host, port: server.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.end(body);
    });
    const port = await listenOnLoopback(proxy);
    try {
      const url = server.url('app').replace(`:${server.port}/`, `:${port}/`);
      const dir = outDir();
      const result = await fetchSource({ url, ref: { branch: 'main' }, dir });
      assert.equal(result.entries, undefined, 'the tree was written by the fallback');
      assert.equal(result.revision, `main@sha1:${mainSha}`);
      assert.equal(await readFile(join(dir, 'deploy', 'second.yaml'), 'utf8'), 'second');
      assert.ok(refused > 0, 'the v2 fetch was tried first');
    } finally {
      proxy.close();
    }
  });
});
