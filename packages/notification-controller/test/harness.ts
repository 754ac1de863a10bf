/**
 * What the notification tests share: CRDs installed through the runtime client (raw JSON, so
 * `enum`/`default`/`x-kubernetes-*` survive), a controller run in-process with its pino output
 * captured, an EventRecorder writing events as a weft controller would, and polling helpers.
 */
import { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { crds, NotificationApiVersion } from '@weft/api';
// The shared poller, re-exported so the tests keep importing it from here.
import {
  eventually,
  installCrds as installCrdsWith,
  plaintextLeaks,
  testNamespace,
  useCluster,
} from '@weft/e2e';
import { addNotificationController, type NotificationController } from '@weft/notification-controller';
import { Client, type KubeObject } from '@weft/runtime/client';
import { EventRecorder, KubeEventSink } from '@weft/runtime/events';
import { createLogger } from '@weft/runtime/log';
import { Manager, parseFlags } from '@weft/runtime/manager';

export { eventually };

/** The weft CRDs, applied and Established. */
export function installCrds(client: Client): Promise<void> {
  return installCrdsWith(client, crds(), 'weft-tests');
}

export interface RunningController {
  controller: NotificationController & { manager: Manager };
  /** Every log line so far, raw JSON text. */
  logs: string[];
  receiverUrl: string;
  stop(): Promise<void>;
}

export async function runController(
  kubeConfig: KubeConfig,
  extraArgs: string[] = [],
  logs: string[] = [],
  eventRateLimitWindowMs = 5 * 60_000,
): Promise<RunningController> {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const { runtime } = parseFlags(
    ['--metrics-addr=0', '--health-addr=0', '--graceful-shutdown-timeout=5s', ...extraArgs],
    {
      name: 'notification-controller',
    },
  );
  const manager = new Manager({
    name: 'notification-controller',
    flags: runtime,
    kubeConfig,
    logger: createLogger({ level: 'debug', destination, base: { controller: 'notification-controller' } }),
  });
  const controller = {
    ...addNotificationController(manager, {
      receiverAddr: '127.0.0.1:0',
      eventRateLimitWindowMs,
      retryBaseMs: 50,
    }),
    manager,
  };
  await manager.start();
  const port = controller.receiverServer.address?.port;
  return {
    controller,
    logs,
    receiverUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      await manager.stop();
    },
  };
}

/** Writes events the way kustomize-controller would. */
export function kustomizeRecorder(
  kubeConfig: KubeConfig,
  instance = 'kustomize-controller-test',
): EventRecorder {
  return new EventRecorder({
    sink: new KubeEventSink(kubeConfig),
    reportingController: 'weft.dev/kustomize-controller',
    reportingInstance: instance,
    onError: (error) => {
      throw error;
    },
  });
}

export function readyCondition(
  obj: KubeObject,
): { status: string; reason: string; message: string } | undefined {
  const status = obj.status as
    | { conditions?: Array<{ type: string; status: string; reason: string; message: string }> }
    | undefined;
  return status?.conditions?.find((c) => c.type === 'Ready');
}

/**
 * The run's cluster, a client, the weft CRDs and a namespace of the test file's own. Call at the
 * top level of a test file: testNamespace registers an after() that belongs to the file.
 */
export async function notificationTestCluster(
  prefix: string,
): Promise<{ kubeConfig: KubeConfig; client: Client; namespace: string }> {
  const kubeConfig = await (await useCluster()).kubeConfig();
  const client = new Client(kubeConfig, { fieldManager: 'weft-tests' });
  await installCrds(client);
  return { kubeConfig, client, namespace: await testNamespace(kubeConfig, prefix) };
}

export async function createSecret(
  client: Client,
  namespace: string,
  name: string,
  data: Record<string, string>,
): Promise<void> {
  await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: data });
}

/**
 * Each planted secret found in the controller's logs, the namespace's Events or the status of
 * its Providers, Alerts and Receivers, as `<name> plaintext in the <place>`.
 */
export async function secretLeaks(
  client: Client,
  namespace: string,
  logs: readonly string[],
  secrets: Record<string, string>,
): Promise<string[]> {
  const events = (await client.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace })).items;
  const status: unknown[] = [];
  for (const kind of ['Provider', 'Alert', 'Receiver']) {
    const list = await client.list({ apiVersion: NotificationApiVersion, kind, namespace });
    status.push(...list.items.map((item) => item.status));
  }
  return (await plaintextLeaks(secrets, { logs: logs.join('\n'), events, status })).leaks;
}

/** Waits until the notification object `kind` `namespace/name` has Ready=`status`, and returns it. */
export function waitForReady(
  client: Client,
  namespace: string,
  kind: 'Provider' | 'Alert' | 'Receiver',
  name: string,
  status: 'True' | 'False',
): Promise<KubeObject> {
  return eventually(`${kind} ${name} Ready=${status}`, async () => {
    const got = await client.get({ apiVersion: NotificationApiVersion, kind, namespace, name });
    return readyCondition(got)?.status === status ? got : undefined;
  });
}
