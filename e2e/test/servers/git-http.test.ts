import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isolatedGitEnv, makeTempDir, removeDir, run, startGitHttpServer } from '../../src/servers/index.ts';

let clientDir: string;
before(async () => {
  clientDir = await makeTempDir('git-client');
});
after(async () => {
  await removeDir(clientDir);
});

/** Runs the git CLI as a client would, with its own HOME so the host's config stays out. */
function git(args: string[], cwd = clientDir): Promise<string> {
  return run('git', args, { cwd, env: isolatedGitEnv(join(clientDir, 'home')) });
}

function pktLine(text: string): string {
  return (text.length + 4).toString(16).padStart(4, '0') + text;
}

describe('git smart HTTP server, anonymous', async () => {
  const server = await startGitHttpServer();
  after(() => server.stop());

  test('clones over HTTP what createRepo committed', async () => {
    const sha = await server.createRepo('team/app', {
      'README.md': '# app\n',
      'deploy/cm.yaml': 'kind: ConfigMap\n',
    });
    const checkout = join(clientDir, 'anon-clone');
    await git(['clone', '--quiet', server.url('team/app'), checkout]);
    assert.equal(await readFile(join(checkout, 'deploy', 'cm.yaml'), 'utf8'), 'kind: ConfigMap\n');
    assert.equal((await git(['rev-parse', 'HEAD'], checkout)).trim(), sha);
    assert.equal(
      (await git(['log', '-1', '--format=%an <%ae>'], checkout)).trim(),
      'Weft Test <weft-test@example.invalid>',
    );
  });

  test('ls-remote sees new commits, removals, tags and branches', async () => {
    await server.createRepo('lsr', { 'a.txt': 'a', 'b.txt': 'b' }, { branch: 'trunk' });
    const second = await server.commit('lsr', { 'a.txt': 'a2' }, 'change a', { remove: ['b.txt'] });
    const tagged = await server.tag('lsr', 'v1.0.0', { annotated: true });
    await server.tag('lsr', 'light');
    const onBranch = await server.branch('lsr', 'feature');
    const refs = await git(['ls-remote', server.url('lsr')]);
    assert.match(refs, new RegExp(`^${second}\\tHEAD$`, 'm'));
    assert.match(refs, new RegExp(`^${second}\\trefs/heads/trunk$`, 'm'));
    assert.match(refs, new RegExp(`^${second}\\trefs/tags/v1\\.0\\.0\\^\\{\\}$`, 'm'), 'annotated tag peels');
    assert.match(refs, new RegExp(`^${second}\\trefs/tags/light$`, 'm'));
    assert.match(refs, new RegExp(`^${onBranch}\\trefs/heads/feature$`, 'm'));
    assert.equal(tagged, second);
    assert.equal(await server.repos.readFile('lsr', 'trunk', 'a.txt'), 'a2');
    await assert.rejects(server.repos.readFile('lsr', 'trunk', 'b.txt'));
  });

  test('accepts a push over HTTP', async () => {
    const first = await server.createRepo('pushed', { 'x.txt': '1\n' });
    const checkout = join(clientDir, 'push-clone');
    await git(['clone', '--quiet', server.url('pushed'), checkout]);
    await writeFile(join(checkout, 'x.txt'), '2\n');
    await git(['commit', '--quiet', '-am', 'bump'], checkout);
    await git(['tag', 'v2'], checkout);
    await git(['push', '--quiet', 'origin', 'main', 'v2'], checkout);
    const pushed = (await git(['rev-parse', 'HEAD'], checkout)).trim();
    assert.notEqual(pushed, first);
    assert.equal(await server.revParse('pushed', 'main'), pushed);
    assert.equal(await server.revParse('pushed', 'v2'), pushed);
    assert.match(
      await git(['ls-remote', server.url('pushed')]),
      new RegExp(`^${pushed}\\trefs/tags/v2$`, 'm'),
    );
  });

  test('passes gzip request bodies to http-backend', async () => {
    const sha = await server.createRepo('gz', { 'f.txt': 'f' });
    const body = `${pktLine(`want ${sha}\n`)}0000${pktLine('done\n')}`;
    const response = await fetch(`${server.url('gz')}/git-upload-pack`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-git-upload-pack-request',
        'Content-Encoding': 'gzip',
      },
      body: gzipSync(body),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/x-git-upload-pack-result');
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.ok(bytes.includes('PACK'), `expected a pack, got ${bytes.subarray(0, 64).toString('latin1')}`);
  });

  test('answers 404 for a repository that does not exist', async () => {
    const response = await fetch(`${server.url('missing')}/info/refs?service=git-upload-pack`);
    await response.arrayBuffer();
    assert.equal(response.status, 404);
  });
});

describe('git smart HTTP server with basic auth', async () => {
  const auth = { username: 'flux', password: 's3cr3t:with colon' };
  const server = await startGitHttpServer({ auth });
  after(() => server.stop());

  test('clones and pushes with the right credentials', async () => {
    await server.createRepo('private', { 'secret.txt': 'hush' });
    const checkout = join(clientDir, 'auth-clone');
    await git(['clone', '--quiet', server.url('private', auth), checkout]);
    assert.equal(await readFile(join(checkout, 'secret.txt'), 'utf8'), 'hush');
    await mkdir(join(checkout, 'dir'));
    await writeFile(join(checkout, 'dir', 'new.txt'), 'new');
    await git(['add', '.'], checkout);
    await git(['commit', '--quiet', '-m', 'add'], checkout);
    await git(['push', '--quiet'], checkout);
    assert.equal(await server.repos.readFile('private', 'main', 'dir/new.txt'), 'new');
    const pushes = server.requests.filter((r) => r.path.endsWith('/git-receive-pack'));
    assert.ok(pushes.length > 0 && pushes.every((r) => r.user === 'flux'));
  });

  test('refuses a wrong password and missing credentials', async () => {
    await server.createRepo('private2', { 'a.txt': 'a' });
    await assert.rejects(
      git(['ls-remote', server.url('private2', { ...auth, password: 'wrong' })]),
      /401|Authentication failed|could not read/i,
    );
    await assert.rejects(git(['ls-remote', server.url('private2')]));
    const response = await fetch(`${server.url('private2')}/info/refs?service=git-upload-pack`);
    await response.arrayBuffer();
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Basic /);
  });
});
