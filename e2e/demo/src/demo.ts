/**
 * The local GitOps demo (the README's main command): a real control plane on loopback, a git
 * server holding an example app, source-controller and kustomize-controller as local processes.
 * It creates a GitRepository and a Kustomization, shows the app becoming Ready, then commits a
 * change and shows it applied. Ctrl-C stops everything; nothing is left running.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Annotation,
  GitRepositoryKind,
  KustomizationKind,
  KustomizeApiVersion,
  SourceApiVersion,
} from '@weft/api';
import { eventually, freePort, repoRoot, startCluster, startGitHttpServer } from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import { parseAllDocuments } from 'yaml';
import { startControllers } from './controllers.ts';
import { appNamespace, initialFiles, staging } from './repository.ts';

const system = 'weft-system';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

function ready(obj: KubeObject): Condition | undefined {
  const conditions = (obj.status as { conditions?: Condition[] } | undefined)?.conditions;
  return conditions?.find((c) => c.type === 'Ready');
}

export async function runDemo(options: { once: boolean }): Promise<void> {
  const started = Date.now();
  const say = (message: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  const dir = await mkdtemp(join(tmpdir(), 'weft-demo-'));
  const cleanups: Array<() => Promise<void>> = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping controllers, git server and control plane');
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    say('stopped; nothing left running');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const cluster = await startCluster({ name: 'weft-demo', onProgress: (m) => say(m) });
    cleanups.push(() => cluster.stop());
    say(`kubeconfig: ${cluster.kubeconfigPath}`);

    const git = await startGitHttpServer();
    cleanups.push(() => git.stop());
    const first = await git.createRepo('fleet', initialFiles());
    say(`git server ${git.url('fleet')} holds the app (commit ${first.slice(0, 7)})`);

    const client = new Client(await cluster.kubeConfig(), { fieldManager: 'weft-demo' });
    await installCrds(client);
    say('installed the weft CRDs');

    const controllers = startControllers({
      kubeconfigPath: cluster.kubeconfigPath,
      dir,
      storagePort: await freePort(),
    });
    cleanups.push(() => controllers.stop());
    void Promise.race([controllers.source.crashed(), controllers.kustomize.crashed()]).then((why) => {
      if (stopping) return;
      console.error(why);
      void stop(1);
    });
    say(`started source-controller and kustomize-controller (logs in ${dir})`);

    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: system } });
    await client.apply({
      apiVersion: SourceApiVersion,
      kind: GitRepositoryKind,
      metadata: { name: 'fleet', namespace: system },
      spec: { url: git.url('fleet'), ref: { branch: 'main' }, interval: '1m' },
    });
    await client.apply({
      apiVersion: KustomizeApiVersion,
      kind: KustomizationKind,
      metadata: { name: 'apps', namespace: system },
      spec: {
        sourceRef: { kind: GitRepositoryKind, name: 'fleet' },
        path: './apps/staging',
        interval: '1m',
        prune: true,
        wait: true,
        timeout: '2m',
      },
    });
    say('created GitRepository weft-system/fleet and Kustomization weft-system/apps');

    const firstRevision = await waitSource(client, say, `main@sha1:${first}`);
    await waitApplied(client, say, firstRevision, 2, '1.0.0');

    say('committing a change: staging gets 3 replicas of web:1.1.0');
    const second = await git.repos.commit(
      'fleet',
      { 'apps/staging/kustomization.yaml': staging(3, '1.1.0') },
      'staging: web 1.1.0, 3 replicas',
    );
    // A push webhook (a Receiver) would do this; the demo asks for the reconcile itself.
    await client.patch(
      { apiVersion: SourceApiVersion, kind: GitRepositoryKind, namespace: system, name: 'fleet' },
      { metadata: { annotations: { [Annotation.ReconcileRequestedAt]: new Date().toISOString() } } },
    );
    const secondRevision = await waitSource(client, say, `main@sha1:${second}`);
    await waitApplied(client, say, secondRevision, 3, '1.1.0');

    if (options.once) return await stop(0);
    say('the demo keeps running; commit to the repository or press Ctrl-C to stop');
    setInterval(() => {}, 1 << 30);
  } catch (error) {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

async function installCrds(client: Client): Promise<void> {
  const text = await readFile(join(repoRoot, 'packages', 'api', 'crds', 'all.yaml'), 'utf8');
  const crds = parseAllDocuments(text).map((doc) => doc.toJS() as KubeObject);
  // Applied as plain JSON: the apiserver keeps every enum, default and validation rule.
  await Promise.all(crds.map((crd) => client.apply(crd, { force: true })));
  await Promise.all(
    crds.map((crd) =>
      eventually(`CRD ${crd.metadata.name} Established`, async () => {
        const live = await client.get({
          apiVersion: crd.apiVersion,
          kind: crd.kind,
          name: crd.metadata.name ?? '',
        });
        const conditions = (live.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
        return conditions.some((c) => c.type === 'Established' && c.status === 'True') || undefined;
      }),
    ),
  );
}

async function waitSource(client: Client, say: (m: string) => void, revision: string): Promise<string> {
  let last = '';
  await eventually(
    `GitRepository fleet at ${revision}`,
    async () => {
      const repo = await client.get({
        apiVersion: SourceApiVersion,
        kind: GitRepositoryKind,
        namespace: system,
        name: 'fleet',
      });
      const artifact = (repo.status as { artifact?: { revision?: string; digest?: string } } | undefined)
        ?.artifact;
      const condition = ready(repo);
      const line = `GitRepository fleet: Ready=${condition?.status ?? 'Unknown'} ${condition?.message ?? ''}`;
      if (line !== last) say(line);
      last = line;
      return artifact?.revision === revision && condition?.status === 'True' ? true : undefined;
    },
    120_000,
  );
  say(`artifact stored for ${revision}`);
  return revision;
}

async function waitApplied(
  client: Client,
  say: (m: string) => void,
  revision: string,
  replicas: number,
  tag: string,
): Promise<void> {
  let last = '';
  await eventually(
    `Kustomization apps to apply ${revision}`,
    async () => {
      const ks = await client.get({
        apiVersion: KustomizeApiVersion,
        kind: KustomizationKind,
        namespace: system,
        name: 'apps',
      });
      const status = ks.status as { lastAppliedRevision?: string } | undefined;
      const condition = ready(ks);
      const deployment = await client.find({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: appNamespace,
        name: 'web',
      });
      const d = deployment?.status as { readyReplicas?: number; updatedReplicas?: number } | undefined;
      const line = `Kustomization apps: Ready=${condition?.status ?? 'Unknown'} ${condition?.message ?? ''} | web ${d?.readyReplicas ?? 0}/${replicas} ready`;
      if (line !== last) say(line);
      last = line;
      const image = (
        deployment?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined
      )?.template?.spec?.containers?.[0]?.image;
      return status?.lastAppliedRevision === revision &&
        condition?.status === 'True' &&
        d?.readyReplicas === replicas &&
        d.updatedReplicas === replicas &&
        image === `ghcr.io/example/web:${tag}`
        ? true
        : undefined;
    },
    180_000,
  );
  say(
    `applied ${revision}: Deployment ${appNamespace}/web runs ${replicas} replicas of web:${tag}, all Ready`,
  );
}
