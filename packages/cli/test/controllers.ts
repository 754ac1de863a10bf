/**
 * source-controller and kustomize-controller as processes outside the cluster, with the admin
 * kubeconfig: what reconciles the bootstrapped objects while weft's own Deployments run on KWOK
 * nodes (so their specs are real and roll, but no container runs). Nothing here imports a controller.
 */
import { join } from 'node:path';
import { freePort, weftProcess } from '@weft/e2e';

export async function startControllerProcesses(
  kubeconfigPath: string,
  dir: string,
): Promise<() => Promise<void>> {
  const common = [
    `--kubeconfig=${kubeconfigPath}`,
    '--metrics-addr=127.0.0.1:0',
    '--health-addr=127.0.0.1:0',
    '--log-level=debug',
  ];
  const storage = `127.0.0.1:${await freePort()}`;
  const processes = [
    weftProcess(
      'source-controller',
      [
        ...common,
        `--storage-path=${join(dir, 'artifacts')}`,
        `--storage-addr=${storage}`,
        `--storage-adv-addr=${storage}`,
      ],
      { logFile: join(dir, 'source-controller.log') },
    ),
    weftProcess('kustomize-controller', common, { logFile: join(dir, 'kustomize-controller.log') }),
  ];
  for (const process of processes) process.start();
  return async () => {
    await Promise.all(processes.map((process) => process.stop()));
  };
}
