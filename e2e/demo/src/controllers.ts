/**
 * The fallback when this machine cannot run a real node (not root, or setup built no images):
 * the controllers as separate Node processes started from their packages' entry points with a
 * kubeconfig, as they would run out of a cluster. Nothing here imports a controller.
 */
import { join } from 'node:path';
import { type ManagedProcess, weftProcess } from '@weft/e2e';

export interface ControllerProcesses {
  source: ManagedProcess;
  kustomize: ManagedProcess;
  notification: ManagedProcess;
  stop(): Promise<void>;
}

export function startControllers(options: {
  kubeconfigPath: string;
  dir: string;
  storagePort: number;
}): ControllerProcesses {
  const common = [
    `--kubeconfig=${options.kubeconfigPath}`,
    '--metrics-addr=127.0.0.1:0',
    '--health-addr=127.0.0.1:0',
    '--log-level=info',
  ];
  const storage = `127.0.0.1:${options.storagePort}`;
  // Each executable with the V8 flags its shebang carries.
  const source = weftProcess(
    'source-controller',
    [
      ...common,
      `--storage-path=${join(options.dir, 'artifacts')}`,
      `--storage-addr=${storage}`,
      `--storage-adv-addr=${storage}`,
    ],
    { logFile: join(options.dir, 'source-controller.log') },
  );
  const kustomize = weftProcess('kustomize-controller', common, {
    logFile: join(options.dir, 'kustomize-controller.log'),
  });
  // No Receivers in the demo: the receiver server stays off.
  const notification = weftProcess('notification-controller', [...common, '--receiver-addr=0'], {
    logFile: join(options.dir, 'notification-controller.log'),
  });
  for (const controller of [source, kustomize, notification]) controller.start();
  return {
    source,
    kustomize,
    notification,
    async stop() {
      await Promise.all([source.stop(), kustomize.stop(), notification.stop()]);
    },
  };
}
