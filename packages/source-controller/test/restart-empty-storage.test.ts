/**
 * A restart with empty storage (a new pod after an upgrade, a reschedule without a volume): the
 * objects' status still names artifacts the new process has not built yet. A consumer that
 * downloads such a URL must get the artifact (held until it is rebuilt), never a 404. This runs
 * the controller from its bin as a real process, restarts it on the same storage address with
 * its storage directory emptied, and downloads right after the new process listens.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Label, SourceApiVersion } from '@weft/api';
import {
  deleteAllAndWait,
  freePort,
  type GitHttpServer,
  type ManagedProcess,
  type OciRegistry,
  startGitHttpServer,
  startOciRegistry,
  testNamespace,
  useCluster,
  weftProcess,
} from '@weft/e2e';
import { pushArtifact, RegistryClient } from '@weft/oci';
import { Client } from '@weft/runtime/client';
import { eventually, installCrds, type KubeConfig, sha256 } from './helpers.ts';
import { filesDir, SourceKind, type SourceObject } from './oci-helpers.ts';

const cluster = await useCluster();
const kubeConfig: KubeConfig = await cluster.kubeConfig();
const namespace = await testNamespace(kubeConfig, 'restart');
const shard = `sc-${randomBytes(3).toString('hex')}`;

let client: Client;
let registry: OciRegistry;
let git: GitHttpServer;
let workDir: string;
let storageDir: string;
let controller: ManagedProcess | undefined;
let ociRepositories: SourceKind;
let gitRepositories: SourceKind;

before(async () => {
  await installCrds(kubeConfig);
  client = new Client(kubeConfig, { fieldManager: 'source-controller-test' });
  workDir = await mkdtemp(join(tmpdir(), 'weft-sc-restart-'));
  storageDir = join(workDir, 'storage');
  registry = await startOciRegistry();
  git = await startGitHttpServer();
  ociRepositories = new SourceKind(client, 'OCIRepository', namespace, shard);
  gitRepositories = new SourceKind(client, 'GitRepository', namespace, shard);
  // One storage address for both processes: the URLs in status must stay valid across the restart.
  controller = weftProcess(
    'source-controller',
    [
      `--kubeconfig=${cluster.kubeconfigPath}`,
      '--metrics-addr=127.0.0.1:0',
      `--health-addr=127.0.0.1:${await freePort()}`,
      `--watch-label-selector=${Label.ShardKey}=${shard}`,
      `--storage-path=${storageDir}`,
      `--storage-addr=127.0.0.1:${await freePort()}`,
    ],
    { logFile: join(workDir, 'source-controller.log') },
  ).start();
});

after(async () => {
  // Finalizers run while the controller is still there to run them.
  if (controller?.running)
    for (const kind of ['OCIRepository', 'GitRepository'])
      await deleteAllAndWait(client, { apiVersion: SourceApiVersion, kind }, [namespace], 120_000).catch(
        () => {},
      );
  await controller?.stop();
  await registry?.stop();
  await git?.stop();
  await rm(workDir, { recursive: true, force: true });
});

/**
 * GETs `url` once the server accepts connections (ECONNREFUSED while the new process starts is
 * retried; any answer, 404 included, is final).
 */
async function getOnceListening(url: string): Promise<{ status: number; body: Buffer }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await new Promise((resolve, reject) => {
        get(url, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }),
          );
          response.on('error', reject);
        }).on('error', reject);
      });
    } catch (error) {
      const refused = (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
      if (!refused || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function artifactOf(obj: SourceObject): { url: string; digest: string } {
  const artifact = obj.status?.artifact;
  assert.ok(artifact, `${obj.kind} ${obj.metadata.name} has status.artifact`);
  return artifact;
}

describe('source-controller restarted with empty storage', () => {
  it('holds a download of an artifact its status names until it is rebuilt, then serves it (no 404)', async () => {
    const content = await filesDir({ 'deploy/app.yaml': 'kind: ConfigMap\n' });
    const publisher = new RegistryClient({ registry: registry.host, insecure: true });
    const pushed = await pushArtifact({
      client: publisher,
      repository: 'apps/restart',
      tag: 'v1',
      dir: content,
    });
    publisher.close();
    await rm(content, { recursive: true, force: true });
    const commit = await git.createRepo('restart', { 'deploy/app.yaml': 'kind: ConfigMap\n' });

    await ociRepositories.create('oci', {
      url: registry.ociUrl('apps/restart'),
      ref: { tag: 'v1' },
      insecure: true,
    });
    await gitRepositories.create('git', { url: git.url('restart'), ref: { branch: 'main' } });
    const before = [
      artifactOf(await ociRepositories.waitReady('oci', `v1@${pushed.digest}`)),
      artifactOf(await gitRepositories.waitReady('git', `main@sha1:${commit}`)),
    ];

    await controller?.stop();
    await rm(storageDir, { recursive: true, force: true });
    await mkdir(storageDir);
    controller?.start();
    // Asked as soon as the new process listens, before its caches have synced: nothing can have
    // been rebuilt yet, so a plain file server would answer 404 here.
    const answers = await Promise.all(before.map((artifact) => getOnceListening(artifact.url)));
    for (const [i, answer] of answers.entries()) {
      const artifact = before[i];
      assert.equal(answer.status, 200, `GET ${artifact?.url} after the restart: HTTP ${answer.status}`);
      assert.equal(sha256(answer.body), artifact?.digest, 'the rebuilt artifact has the digest status names');
    }

    // Status still names the same artifacts, and they are in the new storage.
    const after = [
      artifactOf(await ociRepositories.waitReady('oci', `v1@${pushed.digest}`)),
      artifactOf(await gitRepositories.waitReady('git', `main@sha1:${commit}`)),
    ];
    assert.deepEqual(
      after.map((a) => a.digest),
      before.map((a) => a.digest),
    );
    await eventually('both artifacts in the emptied storage', async () => {
      const files = await readdir(storageDir, { recursive: true });
      return before.every((a) => files.some((f) => f.endsWith(`${a.digest.slice('sha256:'.length)}.tar.gz`)))
        ? true
        : undefined;
    });
  });
});
