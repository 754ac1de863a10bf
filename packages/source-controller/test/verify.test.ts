import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Label } from '@weft/api';
import {
  createGpgSigner,
  createSshSigner,
  type GitHttpServer,
  type GitSigner,
  startGitHttpServer,
  testNamespace,
  useCluster,
} from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import {
  condition,
  eventually,
  type GitRepositoryObject,
  gitRepositoryType,
  installCrds,
  type KubeConfig,
  requestReconcile,
  startController,
} from './helpers.ts';

// Commits and tags signed by the real git with keys from the real gpg and ssh-keygen.
const cluster = await useCluster();
const kubeConfig: KubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'gitverify');

let client: Client;
let manager: Manager | undefined;
let git: GitHttpServer;
let storageDir: string;
let keysDir: string;
let alice: GitSigner;
let mallory: GitSigner;
let sshSigner: GitSigner;
const shard = `sv-${randomBytes(3).toString('hex')}`;

before(async () => {
  await installCrds(kubeConfig);
  client = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
  storageDir = await mkdtemp(join(tmpdir(), 'weft-sv-storage-'));
  keysDir = await mkdtemp(join(tmpdir(), 'weft-sv-keys-'));
  [alice, mallory, sshSigner] = await Promise.all([
    createGpgSigner(keysDir, 'alice'),
    createGpgSigner(keysDir, 'mallory'),
    createSshSigner(keysDir, 'carol'),
  ]);
  git = await startGitHttpServer();
  manager = await startController(kubeConfig, storageDir, shard, []);
  await client.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'trusted-keys', namespace },
    stringData: { 'alice.asc': alice.publicKey, allowed_signers: sshSigner.publicKey },
  } as KubeObject);
});

after(async () => {
  await manager?.stop();
  await git?.stop();
  await rm(storageDir, { recursive: true, force: true });
  await rm(keysDir, { recursive: true, force: true });
});

async function createGitRepository(name: string, spec: Record<string, unknown>): Promise<void> {
  await client.create({
    ...gitRepositoryType,
    metadata: { name, namespace, labels: { [Label.ShardKey]: shard } },
    spec: { interval: '1h', ...spec },
  } as KubeObject);
}

function getGitRepository(name: string): Promise<GitRepositoryObject> {
  return client.get<GitRepositoryObject>({ ...gitRepositoryType, namespace, name });
}

function waitFor(name: string, what: string, test: (obj: GitRepositoryObject) => boolean) {
  return eventually(`${name} ${what}`, async () => {
    const obj = await getGitRepository(name);
    return obj.status?.observedGeneration === obj.metadata.generation && test(obj) ? obj : undefined;
  });
}

const ready = (obj: GitRepositoryObject) => condition(obj, 'Ready');

describe('GitRepository spec.verify', () => {
  it('publishes a commit signed by a trusted OpenPGP key, naming the key', async () => {
    const commit = await git.createRepo('pgp', { 'app.yaml': 'a: 1\n' }, {});
    const signed = await git.commit('pgp', { 'app.yaml': 'a: 2\n' }, 'signed', { sign: alice });
    assert.notEqual(signed, commit);
    await createGitRepository('pgp', {
      url: git.url('pgp'),
      ref: { branch: 'main' },
      verify: { mode: 'HEAD', secretRef: { name: 'trusted-keys' } },
    });
    const obj = await waitFor('pgp', 'Ready', (o) => ready(o)?.status === 'True');
    assert.equal(obj.status?.artifact?.revision, `main@sha1:${signed}`);
    const verified = condition(obj, 'SourceVerified');
    assert.equal(verified?.status, 'True');
    assert.equal(
      verified?.message,
      `verified signature of commit '${signed}' with key '${alice.fingerprint}'`,
    );
    assert.equal(obj.status?.sourceVerificationMode, 'HEAD');
  });

  it('refuses a commit signed by another key and keeps the verified artifact', async () => {
    const before = await getGitRepository('pgp');
    const bad = await git.commit('pgp', { 'app.yaml': 'a: 3\n' }, 'by mallory', { sign: mallory });
    await requestReconcile(client, namespace, 'pgp');
    const obj = await waitFor('pgp', 'Ready=False', (o) => ready(o)?.status === 'False');
    assert.equal(ready(obj)?.reason, 'VerificationError');
    assert.match(
      ready(obj)?.message ?? '',
      new RegExp(`commit '${bad}' is not signed by a trusted OpenPGP key`),
    );
    assert.equal(condition(obj, 'SourceVerified')?.status, 'False');
    assert.deepEqual(obj.status?.artifact, before.status?.artifact);
  });

  it('refuses an unsigned commit', async () => {
    const unsigned = await git.commit('pgp', { 'app.yaml': 'a: 4\n' }, 'unsigned');
    await requestReconcile(client, namespace, 'pgp');
    const obj = await waitFor('pgp', 'unsigned refused', (o) =>
      (ready(o)?.message ?? '').includes(`commit '${unsigned}' is not signed`),
    );
    assert.equal(ready(obj)?.reason, 'VerificationError');
  });

  it('publishes a commit signed with a trusted SSH key (allowed_signers)', async () => {
    const signed = await git.createRepo('ssh', { 'app.yaml': 'b: 1\n' });
    const resigned = await git.commit('ssh', { 'app.yaml': 'b: 2\n' }, 'ssh signed', { sign: sshSigner });
    assert.notEqual(signed, resigned);
    await createGitRepository('ssh', {
      url: git.url('ssh'),
      ref: { branch: 'main' },
      verify: { secretRef: { name: 'trusted-keys' } },
    });
    const obj = await waitFor('ssh', 'Ready', (o) => ready(o)?.status === 'True');
    assert.equal(
      condition(obj, 'SourceVerified')?.message,
      `verified signature of commit '${resigned}' with key '${sshSigner.fingerprint}'`,
    );
  });

  it('verifies a signed tag and its commit in TagAndHEAD mode, and refuses an unsigned tag', async () => {
    const commit = await git.createRepo('tagged', { 'app.yaml': 'c: 1\n' });
    const signedCommit = await git.commit('tagged', { 'app.yaml': 'c: 2\n' }, 'release', { sign: alice });
    assert.notEqual(commit, signedCommit);
    await git.tag('tagged', 'v1.0.0', { sign: sshSigner });
    await git.tag('tagged', 'v1.1.0', { annotated: true });
    await createGitRepository('tagged', {
      url: git.url('tagged'),
      ref: { tag: 'v1.0.0' },
      verify: { mode: 'TagAndHEAD', secretRef: { name: 'trusted-keys' } },
    });
    const obj = await waitFor('tagged', 'Ready', (o) => ready(o)?.status === 'True');
    assert.equal(
      condition(obj, 'SourceVerified')?.message,
      `verified signature of tag 'v1.0.0' with key '${sshSigner.fingerprint}' and commit '${signedCommit}' with key '${alice.fingerprint}'`,
    );
    await client.patch(
      { ...gitRepositoryType, namespace, name: 'tagged' },
      { spec: { ref: { tag: 'v1.1.0' } } },
    );
    const refused = await waitFor('tagged', 'Ready=False', (o) => ready(o)?.status === 'False');
    assert.equal(ready(refused)?.reason, 'VerificationError');
    assert.match(ready(refused)?.message ?? '', /tag 'v1.1.0' is not signed/);
    assert.equal(refused.status?.artifact?.revision, `v1.0.0@sha1:${signedCommit}`);
  });
});

describe('GitRepository fields not implemented', () => {
  it('stalls on recurseSubmodules, naming the field', async () => {
    await git.createRepo('submodules', { 'a.yaml': 'a' });
    await createGitRepository('submodules', { url: git.url('submodules'), recurseSubmodules: true });
    const obj = await waitFor('submodules', 'Stalled', (o) => condition(o, 'Stalled')?.status === 'True');
    assert.equal(condition(obj, 'Stalled')?.reason, 'UnsupportedField');
    assert.equal(
      condition(obj, 'Stalled')?.message,
      'spec.recurseSubmodules is not supported yet: remove it from the spec',
    );
    assert.equal(ready(obj)?.status, 'False');
    assert.equal(obj.status?.artifact, undefined);
  });
});
