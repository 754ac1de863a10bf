/**
 * The local GitOps demo (the README's main command): a real control plane on loopback with a
 * real node, weft installed into it with its Helm chart (source-, kustomize- and
 * notification-controller as pods, from the images `e2e/run setup` built), a git server holding
 * an example app and a Slack-compatible webhook. It creates a GitRepository, a Kustomization, a
 * Slack Provider and an Alert, shows the app becoming Ready, then commits a change, shows it
 * applied and prints the Slack message the Alert sent about it. Where no real node can run (not
 * root, no images), the controllers run as local processes instead, and the demo says so.
 * Ctrl-C stops everything; nothing is left running.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AlertKind,
  Annotation,
  GitRepositoryKind,
  KustomizationKind,
  KustomizeApiVersion,
  NotificationApiVersion,
  ProviderKind,
  SourceApiVersion,
} from '@weft/api';
import {
  type CrdObject,
  eventually,
  freePort,
  imagesDir,
  installCrds,
  installWeft,
  type ReceivedRequest,
  realNodeUnavailable,
  repoRoot,
  startCluster,
  startGitHttpServer,
  startWebhookSink,
  type WeftController,
} from '@weft/e2e';
import { Client, type KubeObject } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import { parseAllDocuments } from 'yaml';
import { startControllers } from './controllers.ts';
import { appNamespace, initialFiles, staging } from './repository.ts';

const system = 'weft-system';
const inCluster: WeftController[] = ['source-controller', 'kustomize-controller', 'notification-controller'];

/** Why the controllers cannot run in the cluster here, or undefined when they can. */
function inClusterUnavailable(): string | undefined {
  const missing = inCluster.find((name) => !existsSync(join(imagesDir(), name, 'index.json')));
  return (
    realNodeUnavailable() ?? (missing ? `no ${missing} image (e2e/run setup builds it as root)` : undefined)
  );
}

/** One line of what a Slack webhook received: the attachment's author, title, text and revision. */
export function slackLine(request: ReceivedRequest): string {
  const payload = request.json as
    | {
        text?: string;
        attachments?: Array<{
          author_name?: string;
          title?: string;
          text?: string;
          fields?: Array<{ title?: string; value?: string }>;
        }>;
      }
    | undefined;
  const attachment = payload?.attachments?.[0];
  const revision = attachment?.fields?.find((field) => field.title === 'revision')?.value;
  return [
    `${attachment?.author_name ?? '?'}: ${attachment?.title ?? payload?.text ?? '?'}`,
    attachment?.text ?? '',
    revision ? `(revision ${revision})` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

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
    say('stopping weft, the git server, the webhook and the control plane');
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    say('stopped; nothing left running');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const unavailable = inClusterUnavailable();
    if (unavailable) say(`the controllers will run as local processes, not in the cluster: ${unavailable}`);
    const cluster = await startCluster({
      name: 'weft-demo',
      realNode: !unavailable,
      onProgress: (m) => say(m),
    });
    cleanups.push(() => cluster.stop());
    say(`kubeconfig: ${cluster.kubeconfigPath}`);

    const git = await startGitHttpServer();
    cleanups.push(() => git.stop());
    const first = await git.createRepo('fleet', initialFiles());
    say(`git server ${git.url('fleet')} holds the app (commit ${first.slice(0, 7)})`);
    const slack = await startWebhookSink();
    cleanups.push(() => slack.stop());

    const client = new Client(await cluster.kubeConfig(), { fieldManager: 'weft-demo' });
    if (!unavailable) {
      say(`installing weft into the cluster: helm install weft charts/weft (${inCluster.join(', ')})`);
      const weft = await installWeft(cluster, {
        components: inCluster,
        // Kustomizations without a serviceAccountName apply as kustomize-controller, as Flux's
        // default; a multi-tenant cluster leaves this off (docs/install.md, RBAC).
        values: { clusterReconciler: { enabled: true } },
      });
      // The cluster goes next: no `helm uninstall` waiting for each pod to shut down gracefully.
      cleanups.push(() => weft.stop({ uninstall: false }));
      for (const name of inCluster) {
        const process = await weft.processOf(name);
        say(
          `${name} runs in pod of ${system} on the real node: Ready ${((weft.readyMs[name] ?? 0) / 1000).toFixed(1)}s after helm install, RSS ${process.rssMiB} MiB`,
        );
      }
    } else {
      await installCrds(client, await weftCrds(), 'weft-demo');
      say('installed the weft CRDs');
      const controllers = startControllers({
        kubeconfigPath: cluster.kubeconfigPath,
        dir,
        storagePort: await freePort(),
      });
      cleanups.push(() => controllers.stop());
      void Promise.race([
        controllers.source.crashed(),
        controllers.kustomize.crashed(),
        controllers.notification.crashed(),
      ]).then((why) => {
        if (stopping) return;
        console.error(why);
        void stop(1);
      });
      say(`started source-, kustomize- and notification-controller as processes (logs in ${dir})`);
    }

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
    await client.apply({
      apiVersion: NotificationApiVersion,
      kind: ProviderKind,
      metadata: { name: 'slack', namespace: system },
      spec: { type: 'slack', address: slack.url('/slack'), channel: 'deploys' },
    });
    await client.apply({
      apiVersion: NotificationApiVersion,
      kind: AlertKind,
      metadata: { name: 'apps', namespace: system },
      spec: {
        providerRef: { name: 'slack' },
        eventSeverity: 'info',
        eventSources: [{ kind: KustomizationKind, name: 'apps' }],
      },
    });
    say(`created Provider slack (a Slack-compatible webhook at ${slack.url('/slack')}) and Alert apps`);

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
    const [message] = await slack.waitFor((request) => request.body.includes(second), 120_000);
    say(`Slack received: ${slackLine(message as ReceivedRequest)}`);

    if (options.once) return await stop(0);
    say('the demo keeps running; commit to the repository or press Ctrl-C to stop');
    setInterval(() => {}, 1 << 30);
  } catch (error) {
    console.error(`demo failed: ${errorMessage(error)}`);
    await stop(1);
  }
}

/** The weft CRDs from packages/api, for the fallback where the chart does not install them. */
async function weftCrds(): Promise<CrdObject[]> {
  const text = await readFile(join(repoRoot, 'packages', 'api', 'crds', 'all.yaml'), 'utf8');
  return parseAllDocuments(text).map((doc) => doc.toJS() as CrdObject);
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
