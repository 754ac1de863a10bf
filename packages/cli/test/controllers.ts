/**
 * source-controller and kustomize-controller as processes outside the cluster, with the admin
 * kubeconfig: what reconciles the bootstrapped objects while weft's own Deployments run on KWOK
 * nodes (so their specs are real and roll, but no container runs). Nothing here imports a controller.
 */
import { join } from 'node:path';
import { freePort, ManagedProcess, nodeEntry, repoRoot } from '@weft/e2e';

export async function startControllerProcesses(
  kubeconfigPath: string,
  dir: string,
): Promise<() => Promise<void>> {
  const entry = (pkg: string) => nodeEntry(join(repoRoot, 'packages', pkg, 'bin', `weft-${pkg}.js`));
  const common = [
    `--kubeconfig=${kubeconfigPath}`,
    '--metrics-addr=127.0.0.1:0',
    '--health-addr=127.0.0.1:0',
    '--log-level=debug',
  ];
  const storage = `127.0.0.1:${await freePort()}`;
  const processes = [
    new ManagedProcess({
      name: 'source-controller',
      command: process.execPath,
      args: [
        ...entry('source-controller').args,
        ...common,
        `--storage-path=${join(dir, 'artifacts')}`,
        `--storage-addr=${storage}`,
        `--storage-adv-addr=${storage}`,
      ],
      logFile: join(dir, 'source-controller.log'),
    }),
    new ManagedProcess({
      name: 'kustomize-controller',
      command: process.execPath,
      args: [...entry('kustomize-controller').args, ...common],
      logFile: join(dir, 'kustomize-controller.log'),
    }),
  ];
  for (const process of processes) process.start();
  return async () => {
    await Promise.all(processes.map((process) => process.stop()));
  };
}
