/** Fetch and push over SSH through the transport, against a real sshd serving real repositories. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type GitSshServer, startGitSshServer } from '@weft/e2e';
import git from 'isomorphic-git';
import { authFromSecret, GitError, Remote } from './index.ts';

let server: GitSshServer;
let workDir: string;

before(async () => {
  server = await startGitSshServer();
  workDir = await mkdtemp(join(tmpdir(), 'weft-git-ssh-'));
  await server.createRepo('app', { 'deploy.yaml': 'image: app:1.0.0\n' });
});

after(async () => {
  await server?.stop();
  await rm(workDir, { recursive: true, force: true });
});

const remoteWith = (data: Record<string, string>) =>
  new Remote({ url: server.url('app'), auth: authFromSecret(server.url('app'), 'ns/ssh', data) });

describe('git over ssh', () => {
  test('clones, commits and pushes with the identity and known_hosts of the secret', async () => {
    const remote = remoteWith({ identity: server.clientPrivateKey, known_hosts: server.knownHosts });
    const dir = join(workDir, 'clone');
    try {
      await git.clone({
        fs,
        http: remote.http,
        dir,
        url: remote.gitUrl,
        ref: 'main',
        singleBranch: true,
        depth: 1,
      });
      assert.equal(await readFile(join(dir, 'deploy.yaml'), 'utf8'), 'image: app:1.0.0\n');
      await writeFile(join(dir, 'deploy.yaml'), 'image: app:1.1.0\n');
      await git.add({ fs, dir, filepath: 'deploy.yaml' });
      const author = { name: 'bot', email: 'bot@example.invalid' };
      const commit = await git.commit({ fs, dir, message: 'bump', author });
      const pushed = await git.push({ fs, http: remote.http, dir, url: remote.gitUrl, ref: 'main' });
      assert.equal(pushed.ok, true);
      assert.equal(await server.revParse('app', 'main'), commit);
      assert.equal(await server.repos.readFile('app', 'main', 'deploy.yaml'), 'image: app:1.1.0\n');
    } finally {
      remote.close();
    }
  });

  test('an unknown host key is refused before any credential is offered', async () => {
    const other = `[${server.host}]:${server.port} ssh-ed25519 ${Buffer.alloc(51, 1).toString('base64')}`;
    const remote = remoteWith({ identity: server.clientPrivateKey, known_hosts: other });
    try {
      await assert.rejects(
        git.listServerRefs({ http: remote.http, url: remote.gitUrl }),
        (error) => error instanceof GitError && error.code === 'HostKeyUnknown',
      );
    } finally {
      remote.close();
    }
  });
});
