import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Annotation, Label } from '@weft/api';
import { fetchArtifact } from '@weft/artifact';
import {
  type GitHttpServer,
  type GitSshServer,
  startGitHttpServer,
  startGitSshServer,
  testNamespace,
  useCluster,
} from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import {
  condition,
  download,
  eventually,
  type GitRepositoryObject,
  gitRepositoryType,
  installCrds,
  type KubeConfig,
  requestReconcile,
  sha256,
  startController,
} from './helpers.ts';

const cluster = await useCluster();
const kubeConfig: KubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'gitrepo');

let client: Client;
let manager: Manager | undefined;
let git: GitHttpServer;
let securedGit: GitHttpServer;
let ssh: GitSshServer;
let storageDir: string;
let workDir: string;
const shard = `sc-${randomBytes(3).toString('hex')}`;

before(async () => {
  await installCrds(kubeConfig);
  client = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
  storageDir = await mkdtemp(join(tmpdir(), 'weft-sc-storage-'));
  workDir = await mkdtemp(join(tmpdir(), 'weft-sc-work-'));
  git = await startGitHttpServer();
  securedGit = await startGitHttpServer({ auth: { username: 'alice', password: 'correct-horse' } });
  ssh = await startGitSshServer();
  manager = await startController(kubeConfig, storageDir, shard);
});

after(async () => {
  await manager?.stop();
  await git?.stop();
  await securedGit?.stop();
  await ssh?.stop();
  await rm(storageDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
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

async function waitReady(name: string, revision?: string): Promise<GitRepositoryObject> {
  return eventually(`${name} Ready${revision ? ` at ${revision}` : ''}`, async () => {
    const obj = await getGitRepository(name);
    const ready = condition(obj, 'Ready');
    if (ready?.status !== 'True' || obj.status?.observedGeneration !== obj.metadata.generation)
      return undefined;
    if (revision !== undefined && obj.status?.artifact?.revision !== revision) return undefined;
    return obj;
  });
}

async function waitNotReady(name: string): Promise<GitRepositoryObject> {
  return eventually(`${name} Ready=False`, async () => {
    const obj = await getGitRepository(name);
    return condition(obj, 'Ready')?.status === 'False' ? obj : undefined;
  });
}

/** The first Warning event about a GitRepository. */
async function warningAbout(name: string): Promise<KubeObject & { reason?: string; note?: string }> {
  return eventually(`Warning event about ${name}`, async () => {
    const list = await client.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace });
    return list.items.find(
      (event) =>
        (event as { regarding?: { name?: string } }).regarding?.name === name &&
        (event as { type?: string }).type === 'Warning',
    ) as (KubeObject & { reason?: string; note?: string }) | undefined;
  });
}

/** Downloads the artifact, checks its digest, and extracts it; returns the sorted file list. */
async function artifactFiles(obj: GitRepositoryObject): Promise<{ dir: string; files: string[] }> {
  const artifact = obj.status?.artifact;
  assert.ok(artifact, 'status.artifact');
  const bytes = await download(artifact.url);
  assert.equal(sha256(bytes), artifact.digest);
  assert.equal(bytes.length, artifact.size);
  const dir = join(workDir, randomBytes(4).toString('hex'));
  await fetchArtifact({ url: artifact.url, digest: artifact.digest, dir });
  return { dir, files: (await readdir(dir, { recursive: true })).sort() };
}

describe('GitRepository', () => {
  let firstCommit: string;

  it('publishes an artifact of a branch with the default ignore list, and an event', async () => {
    firstCommit = await git.createRepo('app', {
      'deploy/app.yaml': 'kind: ConfigMap\n',
      'logo.png': 'png',
      '.github/workflows/ci.yml': 'on: push\n',
    });
    await createGitRepository('app', { url: git.url('app'), ref: { branch: 'main' } });
    const obj = await waitReady('app', `main@sha1:${firstCommit}`);
    assert.equal(condition(obj, 'ArtifactInStorage')?.status, 'True');
    assert.equal(condition(obj, 'Ready')?.reason, 'Succeeded');
    assert.equal(condition(obj, 'Ready')?.message, `stored artifact for revision 'main@sha1:${firstCommit}'`);
    assert.match(
      obj.status?.artifact?.path ?? '',
      new RegExp(`^gitrepository/${namespace}/app/[0-9a-f]{64}\\.tar\\.gz$`),
    );
    const { dir, files } = await artifactFiles(obj);
    assert.deepEqual(files, ['deploy', 'deploy/app.yaml']);
    assert.equal(await readFile(join(dir, 'deploy/app.yaml'), 'utf8'), 'kind: ConfigMap\n');
    const events = await eventually('NewArtifact event', async () => {
      const list = await client.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace });
      const found = list.items.filter(
        (event) => (event as unknown as { reason?: string }).reason === 'NewArtifact',
      );
      return found.length > 0 ? found : undefined;
    });
    assert.equal(events[0]?.metadata.annotations?.[Annotation.EventRevision], `main@sha1:${firstCommit}`);
  });

  it('picks up a pushed commit at once when reconcile is requested', async () => {
    const before = await getGitRepository('app');
    const second = await git.commit('app', { 'deploy/second.yaml': 'second\n' }, 'second');
    const requestedAt = await requestReconcile(client, namespace, 'app');
    const obj = await waitReady('app', `main@sha1:${second}`);
    assert.equal(obj.status?.lastHandledReconcileAt, requestedAt);
    assert.notEqual(obj.status?.artifact?.digest, before.status?.artifact?.digest);
    assert.deepEqual((await artifactFiles(obj)).files, ['deploy', 'deploy/app.yaml', 'deploy/second.yaml']);
  });

  it('does not fetch or store anything when the revision is unchanged', async () => {
    const before = await getGitRepository('app');
    const requestsBefore = git.requests.length;
    const requestedAt = await requestReconcile(client, namespace, 'app');
    const obj = await eventually('reconcile handled', async () => {
      const current = await getGitRepository('app');
      return current.status?.lastHandledReconcileAt === requestedAt ? current : undefined;
    });
    assert.deepEqual(obj.status?.artifact, before.status?.artifact);
    // A reconcile of an unchanged revision costs ls-refs only; a watch event may run one more
    // reconcile, which must also stop at ls-refs.
    const posts = git.requests.slice(requestsBefore).filter((request) => request.method === 'POST');
    assert.ok(posts.length >= 1, 'the reconcile asked for the refs');
    assert.deepEqual(
      posts.map((request) => request.command),
      posts.map(() => 'ls-refs'),
      'only ls-refs exchanges, no fetch',
    );
  });

  it('keeps the same digest when a commit does not change the content', async () => {
    const before = await getGitRepository('app');
    const third = await git.commit('app', { 'logo.png': 'another png' }, 'ignored change');
    await requestReconcile(client, namespace, 'app');
    const obj = await waitReady('app', `main@sha1:${third}`);
    assert.equal(obj.status?.artifact?.digest, before.status?.artifact?.digest);
  });

  it('follows a short interval without being asked', async () => {
    await git.createRepo('ticking', { 'a.yaml': 'a' });
    await createGitRepository('ticking', {
      url: git.url('ticking'),
      ref: { branch: 'main' },
      interval: '1s',
    });
    await waitReady('ticking');
    const next = await git.commit('ticking', { 'b.yaml': 'b' }, 'next');
    await waitReady('ticking', `main@sha1:${next}`);
  });

  it('checks out tags and semver ranges', async () => {
    const v1 = await git.createRepo('tagged', { 'v.yaml': '1' });
    await git.tag('tagged', 'v1.0.0', { annotated: true });
    const v11 = await git.commit('tagged', { 'v.yaml': '1.1' }, '1.1');
    await git.tag('tagged', 'v1.1.0');
    await git.commit('tagged', { 'v.yaml': '2' }, '2');
    await git.tag('tagged', 'v2.0.0');
    await createGitRepository('by-tag', { url: git.url('tagged'), ref: { tag: 'v1.0.0' } });
    await createGitRepository('by-semver', { url: git.url('tagged'), ref: { semver: '~1' } });
    await waitReady('by-tag', `v1.0.0@sha1:${v1}`);
    const semverObj = await waitReady('by-semver', `v1.1.0@sha1:${v11}`);
    assert.equal(await readFile(join((await artifactFiles(semverObj)).dir, 'v.yaml'), 'utf8'), '1.1');
  });

  it('applies spec.ignore and .sourceignore, and includes another repository', async () => {
    await git.createRepo('configs', {
      'base/cm.yaml': 'base',
      'base/notes.md': 'n',
      'logo.png': 'p',
      '.sourceignore': '*.md\n',
    });
    await createGitRepository('configs', {
      url: git.url('configs'),
      ref: { branch: 'main' },
      ignore: '/base/cm.yaml\n',
    });
    const configs = await waitReady('configs');
    assert.deepEqual((await artifactFiles(configs)).files, ['.sourceignore', 'base', 'logo.png']);
    await git.createRepo('platform', { 'apps/app.yaml': 'app', 'lib/l.yaml': 'l' });
    await createGitRepository('platform', { url: git.url('platform'), ref: { branch: 'main' } });
    await waitReady('platform');
    await createGitRepository('combined', {
      url: git.url('app'),
      ref: { branch: 'main' },
      include: [{ repository: { name: 'platform' }, fromPath: 'apps', toPath: 'vendor/platform' }],
    });
    const combined = await waitReady('combined');
    const { files } = await artifactFiles(combined);
    assert.ok(files.includes('vendor/platform/app.yaml'), files.join(','));
    assert.ok(!files.includes('vendor/platform/lib'));
    assert.equal(combined.status?.includedArtifacts?.length, 1);
  });

  it('reports a missing include', async () => {
    await createGitRepository('dangling', {
      url: git.url('app'),
      ref: { branch: 'main' },
      include: [{ repository: { name: 'nowhere' } }],
    });
    const obj = await waitNotReady('dangling');
    assert.equal(condition(obj, 'IncludeUnavailable')?.status, 'True');
    assert.equal(condition(obj, 'Ready')?.reason, 'ArtifactFailed');
    assert.match(condition(obj, 'Ready')?.message ?? '', /nowhere not found/);
    assert.equal(obj.status?.artifact, undefined);
  });

  it('authenticates with a secret and reports a wrong password without revealing it', async () => {
    await securedGit.createRepo('private', { 'p.yaml': 'p' });
    const secret = (name: string, password: string) =>
      client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace },
        stringData: { username: 'alice', password },
      } as KubeObject);
    await secret('good-creds', 'correct-horse');
    await secret('bad-creds', 'wrong-battery');
    await createGitRepository('private', {
      url: securedGit.url('private'),
      ref: { branch: 'main' },
      secretRef: { name: 'good-creds' },
    });
    await createGitRepository('private-bad', {
      url: securedGit.url('private'),
      ref: { branch: 'main' },
      secretRef: { name: 'bad-creds' },
    });
    await waitReady('private');
    const bad = await waitNotReady('private-bad');
    const ready = condition(bad, 'Ready');
    assert.equal(ready?.reason, 'AuthenticationFailed');
    assert.match(ready?.message ?? '', /bad-creds/);
    assert.doesNotMatch(JSON.stringify(bad.status), /wrong-battery|correct-horse/);
    assert.equal(bad.status?.artifact, undefined);
    const warning = await warningAbout('private-bad');
    assert.equal(warning.reason, 'AuthenticationFailed');
    assert.doesNotMatch(JSON.stringify(warning), /wrong-battery|correct-horse/);
  });

  it('clones over ssh and refuses an unknown host key', async () => {
    const sha = await ssh.createRepo('over-ssh', { 's.yaml': 's' });
    const otherKey = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    for (const [name, knownHosts] of [
      ['ssh-good', ssh.knownHosts],
      ['ssh-unknown', `[127.0.0.1]:${ssh.port} ssh-ed25519 ${otherKey}`],
    ] as const) {
      await client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace },
        stringData: { identity: ssh.clientPrivateKey, known_hosts: knownHosts },
      } as KubeObject);
      await createGitRepository(name, {
        url: ssh.url('over-ssh'),
        ref: { branch: 'main' },
        secretRef: { name },
      });
    }
    await waitReady('ssh-good', `main@sha1:${sha}`);
    const refused = await waitNotReady('ssh-unknown');
    assert.equal(condition(refused, 'Ready')?.reason, 'AuthenticationFailed');
    assert.match(condition(refused, 'Ready')?.message ?? '', /known_hosts/);
    assert.equal(refused.status?.artifact, undefined);
  });

  it('says which branch is missing and stores nothing', async () => {
    await createGitRepository('no-branch', { url: git.url('app'), ref: { branch: 'does-not-exist' } });
    const obj = await waitNotReady('no-branch');
    assert.equal(condition(obj, 'FetchFailed')?.status, 'True');
    assert.equal(condition(obj, 'Ready')?.reason, 'GitOperationFailed');
    assert.match(condition(obj, 'Ready')?.message ?? '', /branch "does-not-exist" not found/);
    assert.equal((await warningAbout('no-branch')).reason, 'GitOperationFailed');
    assert.equal(obj.status?.artifact, undefined);
  });

  it('keeps only the sparseCheckout directories, and rebuilds when they change', async () => {
    await git.createRepo('sparse', {
      'apps/prod/web.yaml': 'prod',
      'apps/staging/web.yaml': 'staging',
      'infra/db.yaml': 'db',
      'README.md': 'readme',
    });
    await createGitRepository('sparse', {
      url: git.url('sparse'),
      ref: { branch: 'main' },
      sparseCheckout: ['apps/prod/'],
    });
    const obj = await waitReady('sparse');
    assert.deepEqual((await artifactFiles(obj)).files, ['apps', 'apps/prod', 'apps/prod/web.yaml']);
    assert.deepEqual(obj.status?.observedSparseCheckout, ['apps/prod/']);
    await client.patch(
      { ...gitRepositoryType, namespace, name: 'sparse' },
      { spec: { sparseCheckout: ['infra'] } },
    );
    const changed = await eventually('sparse rebuilt', async () => {
      const current = await getGitRepository('sparse');
      return current.status?.observedSparseCheckout?.[0] === 'infra' ? current : undefined;
    });
    assert.deepEqual((await artifactFiles(changed)).files, ['infra', 'infra/db.yaml']);
  });

  it('removes the artifacts when the object is deleted', async () => {
    const dir = join(storageDir, 'gitrepository', namespace, 'ticking');
    assert.ok((await stat(dir)).isDirectory());
    await client.delete({ ...gitRepositoryType, namespace, name: 'ticking' });
    await eventually('artifacts removed', async () => {
      try {
        await stat(dir);
        return undefined;
      } catch {
        return true;
      }
    });
  });
});
