import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type GitSshServer, generateSshKey, startGitSshServer } from '@weft/e2e';
import { authFromSecret, GitError, knownHostKeys } from '@weft/git';
import { checkout, remoteRevision } from './index.ts';

let server: GitSshServer;
let workDir: string;
let sha: string;

before(async () => {
  server = await startGitSshServer();
  workDir = await mkdtemp(join(tmpdir(), 'weft-ssh-test-'));
  sha = await server.createRepo('app', { 'deploy/app.yaml': 'over ssh\n' });
  await server.tag('app', 'v1.0.0', { annotated: true });
});

after(async () => {
  await server.stop();
  await rm(workDir, { recursive: true, force: true });
});

async function gitErrorOf(promise: Promise<unknown>): Promise<GitError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GitError, String(error));
    return error;
  }
  assert.fail('want a GitError, got success');
}

describe('git over ssh', () => {
  it('resolves and checks out with the identity and known_hosts from the secret', async () => {
    const url = server.url('app');
    const auth = authFromSecret(url, 'ns/ssh', {
      identity: server.clientPrivateKey,
      known_hosts: server.knownHosts,
    });
    assert.equal((await remoteRevision({ url, auth, ref: { branch: 'main' } })).revision, `main@sha1:${sha}`);
    const dir = join(workDir, 'out');
    const result = await checkout({ url, auth, ref: { tag: 'v1.0.0' }, dir });
    assert.equal(result.revision, `v1.0.0@sha1:${sha}`);
    assert.equal(await readFile(join(dir, 'deploy/app.yaml'), 'utf8'), 'over ssh\n');
  });

  it('refuses a host whose key is not in known_hosts', async () => {
    const url = server.url('app');
    const other = await generateSshKey(workDir, 'other-host');
    const [type, key] = other.publicKey.split(' ');
    const auth = authFromSecret(url, 'ns/ssh', {
      identity: server.clientPrivateKey,
      known_hosts: `[127.0.0.1]:${server.port} ${type} ${key}\n`,
    });
    const error = await gitErrorOf(remoteRevision({ url, auth, ref: { branch: 'main' } }));
    assert.equal(error.code, 'HostKeyUnknown', error.message);
    assert.match(error.message, /ns\/ssh key "known_hosts"/);
    const noEntry = authFromSecret(url, 'ns/ssh', {
      identity: server.clientPrivateKey,
      known_hosts: `otherhost ${server.hostPublicKey}\n`,
    });
    const missing = await gitErrorOf(remoteRevision({ url, auth: noEntry, ref: { branch: 'main' } }));
    assert.equal(missing.code, 'HostKeyUnknown');
    assert.match(missing.message, /no host key for \[127\.0\.0\.1\]:\d+/);
  });

  it('names the identity key when the server refuses it', async () => {
    const url = server.url('app');
    const stranger = await generateSshKey(workDir, 'stranger');
    const auth = authFromSecret(url, 'ns/ssh', {
      identity: stranger.privateKey,
      known_hosts: server.knownHosts,
    });
    const error = await gitErrorOf(remoteRevision({ url, auth, ref: { branch: 'main' } }));
    assert.equal(error.code, 'AuthenticationFailed', error.message);
    assert.match(error.message, /ns\/ssh key "identity"/);
    assert.doesNotMatch(error.message, /PRIVATE KEY/);
  });

  it('reports a missing repository', async () => {
    const url = server.url('absent');
    const auth = authFromSecret(url, 'ns/ssh', {
      identity: server.clientPrivateKey,
      known_hosts: server.knownHosts,
    });
    const error = await gitErrorOf(remoteRevision({ url, auth, ref: { branch: 'main' } }));
    assert.equal(error.code, 'RefNotFound', error.message);
  });
});

describe('known_hosts', () => {
  const key = randomBytes(51).toString('base64');
  it('matches [host]:port, plain names on port 22, wildcards and negations', () => {
    const text = `# comment\n[127.0.0.1]:2222 ssh-ed25519 ${key}\ngithub.com,gh ssh-rsa ${key}\n*.example.com,!bad.example.com ssh-ed25519 ${key}\n`;
    assert.equal(knownHostKeys(text, '127.0.0.1', 2222).accepted.length, 1);
    assert.equal(knownHostKeys(text, '127.0.0.1', 22).accepted.length, 0);
    assert.equal(knownHostKeys(text, 'github.com', 22).accepted[0]?.type, 'ssh-rsa');
    assert.equal(knownHostKeys(text, 'git.example.com', 22).accepted.length, 1);
    assert.equal(knownHostKeys(text, 'bad.example.com', 22).accepted.length, 0);
  });

  it('matches hashed names and collects revoked keys', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[10.0.0.1]:2022').digest('base64');
    const text = `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${key}\n@revoked * ssh-ed25519 ${key}\n`;
    const found = knownHostKeys(text, '10.0.0.1', 2022);
    assert.equal(found.accepted.length, 1);
    assert.equal(found.revoked.length, 1);
    assert.equal(knownHostKeys(text, '10.0.0.2', 2022).accepted.length, 0);
  });
});
