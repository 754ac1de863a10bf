/**
 * What the e2e tests share: CRDs installed raw, an artifact server that plays source-controller
 * (build an artifact from files, store it, serve it, publish it in a GitRepository's status), and
 * the controller running in-process against the real apiserver.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { crds, KustomizationKind, KustomizeApiVersion, Label, SourceApiVersion } from '@weft/api';
import { buildArtifact, Storage, serve } from '@weft/artifact';
import {
  type Cluster,
  eventually,
  installCrds as installCrdsWith,
  stopAfterDeleting,
  testNamespace,
  useCluster,
} from '@weft/e2e';
import { addKustomizeController, parseKustomizeControllerFlags } from '@weft/kustomize-controller';
import { Client, isRecord, type KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import type { Manager } from '@weft/runtime/manager';
import { testManager } from '@weft/runtime/testing';

type KubeConfig = Awaited<ReturnType<Cluster['kubeConfig']>>;

/** The weft CRDs, applied and Established. */
export function installCrds(client: Client): Promise<void> {
  return installCrdsWith(client, crds(), 'e2e');
}

/**
 * What every test file starts with: the run's cluster, a client, the CRDs, a namespace of its
 * own and a FakeSource. Call at the top level of a test file (it registers `after` hooks).
 */
export async function kustomizeTestCluster(prefix: string): Promise<{
  kubeConfig: KubeConfig;
  client: Client;
  ns: string;
  source: FakeSource;
}> {
  const kubeConfig = await (await useCluster()).kubeConfig();
  const client = new Client(kubeConfig, { fieldManager: 'e2e' });
  await installCrds(client);
  const ns = await testNamespace(kubeConfig, prefix);
  return { kubeConfig, client, ns, source: await FakeSource.start(client) };
}

export interface Published {
  revision: string;
  digest: string;
  url: string;
}

/** Plays source-controller: artifacts from file maps, published in GitRepository status. */
export class FakeSource {
  readonly #client: Client;
  readonly #storage: Storage;
  readonly url: string;
  readonly #work: string;
  #counter = 0;
  private constructor(client: Client, storage: Storage, url: string, work: string) {
    this.#client = client;
    this.#storage = storage;
    this.url = url;
    this.#work = work;
  }

  static async start(client: Client): Promise<FakeSource> {
    const work = await mkdtemp(join(tmpdir(), 'ks-e2e-'));
    const root = join(work, 'storage');
    await mkdir(root);
    const server = await serve({ root });
    const storage = new Storage({ root, advertisedAddress: server.url });
    after(async () => {
      await server.close();
      await rm(work, { recursive: true, force: true });
    });
    return new FakeSource(client, storage, server.url, work);
  }

  /** Builds and stores an artifact of `files`, and publishes it as GitRepository `name`'s artifact. */
  async publish(
    namespace: string,
    name: string,
    files: Record<string, string>,
    overrides: { digest?: string } = {},
  ): Promise<Published> {
    const dir = join(this.#work, `src-${this.#counter++}`);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    const built = await buildArtifact({ dir });
    const ref = { kind: 'GitRepository', namespace, name };
    const stored = await this.#storage.store(ref, built.path);
    const revision = `main@sha1:${stored.digest.slice(7, 47)}`;
    const ks = { apiVersion: SourceApiVersion, kind: 'GitRepository', namespace, name };
    if (!(await this.#client.find(ks))) {
      await this.#client.create({
        apiVersion: SourceApiVersion,
        kind: 'GitRepository',
        metadata: { name, namespace },
        spec: { url: 'https://example.invalid/repo.git', interval: '1h', ref: { branch: 'main' } },
      });
    }
    const digest = overrides.digest ?? stored.digest;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await this.#client.patchStatus(ks, {
      artifact: { path: stored.path, url: stored.url, revision, digest, lastUpdateTime: now },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Succeeded',
          message: `stored artifact for revision '${revision}'`,
          lastTransitionTime: now,
        },
      ],
    });
    return { revision, digest, url: stored.url };
  }
}

export interface RunningController {
  manager: Manager;
  stop(): Promise<void>;
}

/** Runs kustomize-controller in-process; stopped after the file, once its Kustomizations are gone. */
export interface ControllerExtras {
  /** Where the artifact extractions go (default the OS temp dir). */
  workDir?: string;
  /** Receives the controller's logs at debug level (default: silent unless WEFT_TEST_LOG=1). */
  logDestination?: { write(text: string): void };
}

export async function startController(
  kubeConfig: KubeConfig,
  namespaces: string[],
  argv: string[] = [],
  extras: ControllerExtras = {},
): Promise<RunningController> {
  // The e2e files of all packages share one control plane: leave the Kustomizations of sharded
  // controllers (the demo's and image automation's loop tests) to those controllers.
  const flags = parseKustomizeControllerFlags(
    [
      '--metrics-addr=0',
      '--health-addr=0',
      '--concurrent=4',
      `--watch-label-selector=!${Label.ShardKey}`,
      ...argv,
    ],
    {},
  );
  const manager = testManager({
    name: 'kustomize-controller',
    flags: flags.runtime,
    kubeConfig,
    logDestination: extras.logDestination,
  });
  const client = new Client(kubeConfig);
  addKustomizeController(manager, {
    client,
    noCrossNamespaceRefs: flags.noCrossNamespaceRefs,
    defaultServiceAccount: flags.defaultServiceAccount,
    strictSubstitution: flags.strictSubstitution,
    requeueDependencyMs: 2_000,
    healthPollMs: 500,
    ...(extras.workDir === undefined ? {} : { workDir: extras.workDir }),
  });
  await manager.start();
  // Let finalizers run while the controller is still there, or the namespaces never go.
  const stop = stopAfterDeleting(
    client,
    { apiVersion: KustomizeApiVersion, kind: KustomizationKind },
    namespaces,
    30_000,
    () => manager.stop(),
  );
  return { manager, stop };
}

/** The reference of Kustomization `namespace/name`, for get, find and delete. */
export const kustomizationRef = (namespace: string, name: string) => ({
  apiVersion: KustomizeApiVersion,
  kind: KustomizationKind,
  namespace,
  name,
});

export function kustomization(namespace: string, name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: KustomizeApiVersion,
    kind: KustomizationKind,
    metadata: { name, namespace },
    spec: {
      interval: '1m',
      prune: true,
      path: './',
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      ...spec,
    },
  };
}

export type Ready = { status: string; reason: string; message: string };

export function readyOf(obj: KubeObject | undefined): Ready | undefined {
  if (!obj) return undefined;
  const c = conditions.getCondition(obj as Parameters<typeof conditions.getCondition>[0], 'Ready');
  return c ? { status: c.status, reason: c.reason, message: c.message } : undefined;
}

/** Waits until Kustomization `name` is Ready with `revision` applied. */
export function waitReadyAt(
  client: Client,
  namespace: string,
  name: string,
  revision: string,
  timeoutMs?: number,
): Promise<KubeObject> {
  const ref = { apiVersion: KustomizeApiVersion, kind: KustomizationKind, namespace, name };
  return eventually(
    `${name} Ready at ${revision}`,
    async () => {
      const ks = await client.get(ref);
      return readyOf(ks)?.status === 'True' && statusOf(ks).lastAppliedRevision === revision ? ks : undefined;
    },
    timeoutMs,
  );
}

export function dataOf(obj: KubeObject | undefined): Record<string, string> {
  return (isRecord(obj?.data) ? obj.data : {}) as Record<string, string>;
}

export function statusOf(obj: KubeObject | undefined): Record<string, unknown> {
  return isRecord(obj?.status) ? obj.status : {};
}

export const configMap = (name: string, data: Record<string, string>, extra = ''): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join('\n')}\n`;

export const deployment = (name: string, extraSpec = ''): string =>
  `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
${extraSpec}      containers:
        - name: app
          image: nginx:1.27
`;
