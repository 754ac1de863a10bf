/**
 * What the ImageUpdateAutomation e2e tests share: CRDs installed raw, the automation half of the
 * controller run in-process against the real apiserver, ImagePolicies whose status the test
 * writes itself (standing in for the reflector), GitRepositories and automations, and waits on
 * their conditions and events.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { crds, ImageApiVersion, Label, SourceApiVersion } from '@weft/api';
import { type Cluster, eventually } from '@weft/e2e';
import { addAutomation, parseImageAutomationFlags } from '@weft/image-automation-controller';
import { Client, type KubeObject } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import { testManager } from '@weft/runtime/testing';

export { eventually };

type KubeConfig = Awaited<ReturnType<Cluster['kubeConfig']>>;

export const run = promisify(execFile);

/**
 * This file's shard: the controller a test file starts sees only the automations and policies
 * labelled with it. On a control plane shared with other test files and benches (CI runs every
 * package's e2e at once on one), a controller watching every namespace reconciled their
 * automations too: it pushed to their git servers and, busy with them, was slow for its own.
 */
export const testShard = `iua-test-${randomBytes(4).toString('hex')}`;
export const shardLabels: Record<string, string> = { [Label.ShardKey]: testShard };

export async function installCrds(client: Client): Promise<void> {
  for (const crd of crds()) {
    await client.apply(crd as unknown as KubeObject, { force: true, fieldManager: 'weft-tests' });
  }
  await eventually('CRDs established', async () => {
    for (const crd of crds()) {
      const live = await client.get({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        name: crd.metadata.name,
      });
      const status = live.status as { conditions?: { type: string; status: string }[] } | undefined;
      if (!status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return undefined;
    }
    return true;
  });
}

/** Runs the automation half in-process (the reflector's place is taken by the test). */
export async function startAutomationController(
  kubeConfig: KubeConfig,
  options: {
    pushAttempts?: number;
    noCrossNamespaceRefs?: boolean;
    /** More controller flags, e.g. `--watch-label-selector=…`. */
    args?: string[];
    /** Runs before the automation is added (to register other informers first, as the reflector half does). */
    prepare?: (manager: Manager) => void;
  } = {},
): Promise<{ manager: Manager; stop(): Promise<void> }> {
  const { args = [], prepare, ...automationOptions } = options;
  const flags = parseImageAutomationFlags(
    [
      '--metrics-addr=0',
      '--health-addr=0',
      '--concurrent=4',
      `--watch-label-selector=${Label.ShardKey}=${testShard}`,
      ...args,
    ],
    {},
  );
  const manager = testManager({ name: 'image-automation-controller', flags: flags.runtime, kubeConfig });
  prepare?.(manager);
  addAutomation(manager, { client: new Client(kubeConfig), ...automationOptions });
  await manager.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await manager.stop();
  };
  after(stop);
  return { manager, stop };
}

export const automationRef = (namespace: string, name: string) => ({
  apiVersion: ImageApiVersion,
  kind: 'ImageUpdateAutomation',
  namespace,
  name,
});

/** An ImagePolicy whose status.latestRef the test sets, as the reflector would; in this file's shard. */
export async function setPolicy(
  client: Client,
  namespace: string,
  name: string,
  latestRef: { name: string; tag: string; digest?: string },
  labels: Record<string, string> = {},
): Promise<void> {
  const ref = { apiVersion: ImageApiVersion, kind: 'ImagePolicy', namespace, name };
  if (!(await client.find(ref))) {
    await client.create({
      ...ref,
      metadata: { name, namespace, labels: { ...shardLabels, ...labels } },
      spec: { imageRepositoryRef: { name }, policy: { semver: { range: '>=0.0.0' } } },
    });
  }
  await client.patchStatus(ref, { latestRef });
}

export async function createGitRepository(
  client: Client,
  namespace: string,
  name: string,
  url: string,
  options: { secretName?: string; branch?: string } = {},
): Promise<void> {
  await client.create({
    apiVersion: SourceApiVersion,
    kind: 'GitRepository',
    metadata: { name, namespace },
    spec: {
      url,
      interval: '1h',
      ref: { branch: options.branch ?? 'main' },
      ...(options.secretName ? { secretRef: { name: options.secretName } } : {}),
    },
  });
}

export async function createSecret(
  client: Client,
  namespace: string,
  name: string,
  stringData: Record<string, string>,
): Promise<void> {
  await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData });
}

export interface AutomationStatus {
  observedGeneration?: number;
  lastPushCommit?: string;
  lastPushTime?: string;
  lastAutomationRunTime?: string;
  lastHandledReconcileAt?: string;
  observedPolicies?: Record<string, { name: string; tag: string; digest?: string }>;
  observedSourceRevision?: string;
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

export async function createAutomation(
  client: Client,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await client.create({
    ...automationRef(namespace, name),
    metadata: { name, namespace, labels: shardLabels },
    spec,
  });
}

export async function automationStatus(
  client: Client,
  namespace: string,
  name: string,
): Promise<AutomationStatus> {
  return ((await client.get(automationRef(namespace, name))).status ?? {}) as AutomationStatus;
}

export const condition = (status: AutomationStatus, type: string) =>
  status.conditions?.find((entry) => entry.type === type);

/**
 * Waits until the automation's status satisfies `done`; returns that status. The default deadline
 * is for a clone, commit and push on a loaded machine: CI runs two packages' e2e at once on two
 * cores, and over SSH one push is a handshake and five git processes behind sshd (measured 49 s
 * at load 45, where HTTP took 12 s): the 60 s it was came nearest to running out in runs under
 * load, the likeliest of CI's one failure.
 */
export async function waitForStatus(
  client: Client,
  namespace: string,
  name: string,
  what: string,
  done: (status: AutomationStatus) => boolean,
  timeoutMs = 180_000,
): Promise<AutomationStatus> {
  return eventually(
    `${namespace}/${name}: ${what}`,
    async () => {
      const status = await automationStatus(client, namespace, name);
      return done(status) ? status : undefined;
    },
    timeoutMs,
  );
}

/** The notes of the events about an object, oldest first. */
export async function eventNotes(
  client: Client,
  namespace: string,
  name: string,
): Promise<{ reason: string; note: string }[]> {
  const list = await client.list<
    KubeObject & { reason?: string; note?: string; regarding?: { name?: string } }
  >({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    namespace,
  });
  return list.items
    .filter((event) => event.regarding?.name === name)
    .map((event) => ({ reason: event.reason ?? '', note: event.note ?? '' }));
}

/** `git` on a bare repository of a test server. */
export async function gitIn(repoPath: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await run('git', ['-C', repoPath, ...args], {
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repoPath, ...env },
  });
  return stdout;
}
