import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ArtifactError, buildArtifact } from '@weft/artifact';

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'weft-build-test-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface TreeOptions {
  reverse?: boolean;
  mtime?: Date;
  fileMode?: number;
}

const treeFiles: [string, string][] = [
  ['deploy/app.yaml', 'kind: Deployment\n'],
  ['deploy/svc.yaml', 'kind: Service\n'],
  ['kustomization.yaml', 'resources: [deploy]\n'],
  [`${'long-directory-name/'.repeat(8)}file-with-a-long-name.yaml`, 'long: true\n'],
  ['a-b.txt', 'sorts before a/ by byte order\n'],
  ['a/x.txt', 'x\n'],
];

async function makeTree(name: string, options: TreeOptions = {}): Promise<string> {
  const root = join(scratch, name);
  await mkdir(join(root, 'empty-dir'), { recursive: true });
  const files = options.reverse ? [...treeFiles].reverse() : treeFiles;
  for (const [path, content] of files) {
    const full = join(root, path);
    await mkdir(join(full, '..'), { recursive: true });
    await writeFile(full, content, { mode: options.fileMode ?? 0o644 });
    if (options.fileMode !== undefined) await chmod(full, options.fileMode);
    if (options.mtime) await utimes(full, options.mtime, options.mtime);
  }
  await writeFile(join(root, 'run.sh'), '#!/bin/sh\n', { mode: 0o700 });
  await chmod(join(root, 'run.sh'), 0o700);
  await symlink('deploy/app.yaml', join(root, 'link-to-app.yaml'));
  return root;
}

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('buildArtifact', () => {
  test('the same content gives the same bytes, whatever the mtimes, modes and creation order', async () => {
    const first = await makeTree('first');
    const second = await makeTree('second', {
      reverse: true,
      mtime: new Date('2001-02-03T04:05:06Z'),
      fileMode: 0o600,
    });
    const a = await buildArtifact({ dir: first, out: join(scratch, 'first.tar.gz') });
    const b = await buildArtifact({ dir: second, out: join(scratch, 'second.tar.gz') });
    const aBytes = await readFile(a.path);
    const bBytes = await readFile(b.path);
    assert.equal(a.digest, b.digest);
    assert.deepEqual(aBytes, bBytes);
    assert.equal(a.digest, sha256(aBytes));
    assert.equal(a.size, aBytes.length);
  });

  test('a content change gives another digest', async () => {
    const root = await makeTree('changed');
    const before = await buildArtifact({ dir: root });
    await writeFile(join(root, 'deploy/app.yaml'), 'kind: StatefulSet\n');
    const after = await buildArtifact({ dir: root });
    assert.notEqual(before.digest, after.digest);
  });

  test('the gzip header has no mtime and a fixed OS byte', async () => {
    const result = await buildArtifact({ dir: await makeTree('header') });
    const bytes = await readFile(result.path);
    assert.deepEqual([...bytes.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  });

  test('GNU tar reads it back with sorted paths, normalised modes, zero owners and mtimes', async () => {
    const result = await buildArtifact({ dir: await makeTree('listing') });
    const listing = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvzf', result.path], {
      env: { ...process.env, TZ: 'UTC' },
    })
      .toString()
      .trim()
      .split('\n');
    const paths = listing.map((line) => line.split(/\s+/)[5]);
    assert.deepEqual(paths.slice(0, 5), ['a/', 'a-b.txt', 'a/x.txt', 'deploy/', 'deploy/app.yaml']);
    assert.ok(paths.includes(treeFiles[3]?.[0]), 'the long path survives through ustar prefix or pax');
    for (const line of listing) {
      const [mode, owner, , date, time] = line.split(/\s+/);
      assert.equal(owner, '0/0', line);
      assert.equal(`${date} ${time}`, '1970-01-01 00:00:00', line);
      assert.match(mode ?? '', /^(-rw-r--r--|-rwxr-xr-x|drwxr-xr-x|lrwxrwxrwx)$/, line);
    }
    assert.ok(listing.some((line) => line.startsWith('-rwxr-xr-x') && line.includes('run.sh')));
    assert.ok(listing.some((line) => line.includes('link-to-app.yaml -> deploy/app.yaml')));
    // No pax time records anywhere in the stream.
    assert.doesNotMatch(gunzipSync(await readFile(result.path)).toString('latin1'), /[ma]time=/);
  });

  test('the filter leaves out files and whole directories', async () => {
    const root = await makeTree('filtered');
    const result = await buildArtifact({
      dir: root,
      filter: (path, isDir) => !(isDir && path === 'deploy') && path !== 'run.sh',
    });
    const listing = execFileSync('tar', ['-tzf', result.path]).toString();
    assert.doesNotMatch(listing, /deploy|run\.sh/);
    assert.match(listing, /kustomization\.yaml/);
  });

  test('a symlink leaving the directory fails the build, or is skipped when asked', async () => {
    const root = await makeTree('escaping');
    await symlink('../../etc/passwd', join(root, 'deploy/passwd'));
    await assert.rejects(buildArtifact({ dir: root }), (error: unknown) => {
      assert.ok(error instanceof ArtifactError);
      assert.equal(error.code, 'LinkEscape');
      assert.match(error.message, /deploy\/passwd -> \.\.\/\.\.\/etc\/passwd/);
      return true;
    });
    const skipped = await buildArtifact({ dir: root, escapingSymlinks: 'skip' });
    const listing = execFileSync('tar', ['-tzf', skipped.path]).toString();
    assert.doesNotMatch(listing, /passwd/);
    assert.match(listing, /link-to-app\.yaml/);
  });

  test('an absolute symlink counts as escaping', async () => {
    const root = await makeTree('absolute');
    await symlink(join(root, 'deploy/app.yaml'), join(root, 'abs.yaml'));
    await assert.rejects(buildArtifact({ dir: root }), { code: 'LinkEscape' });
  });
});

describe('provided entries', () => {
  function provide(options: { reverse?: boolean } = {}) {
    const dirs = new Set<string>(['empty-dir']);
    for (const [path] of treeFiles) {
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    const dirEntries = [...dirs].sort((a, b) => a.split('/').length - b.split('/').length);
    const files = options.reverse ? [...treeFiles].reverse() : treeFiles;
    return [
      ...dirEntries.map((path) => ({ kind: 'dir' as const, path })),
      ...files.map(([path, content]) => ({
        kind: 'file' as const,
        path,
        size: Buffer.byteLength(content),
        executable: false,
        read: async () => Buffer.from(content),
      })),
      {
        kind: 'file' as const,
        path: 'run.sh',
        size: 10,
        executable: true,
        read: async () => Buffer.from('#!/bin/sh\n'),
      },
      { kind: 'symlink' as const, path: 'link-to-app.yaml', target: 'deploy/app.yaml' },
      { kind: 'symlink' as const, path: 'deploy/link.yaml', target: 'app.yaml' },
    ];
  }

  test('give the same bytes as the same tree on disk, in any order', async () => {
    const root = await makeTree('provided-disk');
    await symlink('app.yaml', join(root, 'deploy', 'link.yaml'));
    const fromDisk = await buildArtifact({ dir: root });
    const provided = await buildArtifact({ dir: root, entries: provide() });
    const reversed = await buildArtifact({ dir: '/nowhere', entries: provide({ reverse: true }) });
    assert.equal(provided.digest, fromDisk.digest);
    assert.equal(reversed.digest, fromDisk.digest);
  });

  test('apply the filter (an excluded directory takes its contents) and refuse unsafe paths', async () => {
    const filtered = await buildArtifact({
      dir: '/nowhere',
      entries: provide(),
      filter: (path) => path !== 'deploy',
    });
    const names = listTar(gunzipSync(await readFile(filtered.path)));
    assert.ok(!names.some((name) => name.startsWith('deploy')), names.join(','));
    assert.ok(names.includes('a/x.txt'));
    await assert.rejects(
      buildArtifact({ dir: '/nowhere', entries: [{ kind: 'dir', path: '../up' }] }),
      (error: unknown) => error instanceof ArtifactError && error.code === 'UnsafePath',
    );
  });

  test('fail when a file gives other than its size', async () => {
    await assert.rejects(
      buildArtifact({
        dir: '/nowhere',
        entries: [
          { kind: 'file', path: 'a.txt', size: 3, executable: false, read: async () => Buffer.from('ab') },
        ],
      }),
      (error: unknown) => error instanceof ArtifactError && error.code === 'SourceChanged',
    );
  });
});

function listTar(tar: Buffer): string[] {
  const names: string[] = [];
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const name = tar.toString('utf8', offset, offset + 100).replace(/\0.*$/s, '');
    if (name === '') break;
    const prefix = tar.toString('utf8', offset + 345, offset + 500).replace(/\0.*$/s, '');
    const size = Number.parseInt(tar.toString('ascii', offset + 124, offset + 136), 8) || 0;
    names.push(prefix === '' ? name : `${prefix}/${name}`);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}
