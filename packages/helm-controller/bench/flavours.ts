/**
 * The two controller pairs the benchmark runs on the same workload: weft's source-controller and
 * helm-controller (Node, from their bins, with the pinned helm binary and the renderer) and Flux's (Go, built from
 * the Go module proxy by flux/build.ts). Both are scoped to the run's namespace so neither sees
 * the other's (or another test's) objects.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crds, HelmApiVersion, SourceApiVersion } from '@weft/api';
import {
  type CrdObject,
  freePort,
  heapSnapshotFlags,
  installCrds,
  nodeEntry,
  repoRoot,
  toolPath,
  warmCompileCache,
  writeHeapSnapshot,
} from '@weft/e2e';

/** BENCH_HEAP_SNAPSHOTS=DIR: a heap snapshot of weft's helm-controller once all are Ready. */
const heapSnapshotDir = process.env.BENCH_HEAP_SNAPSHOTS || undefined;

import type { Client } from '@weft/runtime/client';
import { fluxControllers, fluxHelmControllerVersion } from './flux/build.ts';

export interface Started {
  helmController: ChildProcess;
  sourceController: ChildProcess;
  /** Resolves once the helm-controller answers on its metrics (or health) port. */
  readyUrl: string;
  /** With BENCH_HEAP_SNAPSHOTS (weft only): writes a heap snapshot of helm-controller. */
  heapSnapshot?: ((name: string) => Promise<string>) | undefined;
}

export interface Flavour {
  name: string;
  helmApiVersion: string;
  sourceApiVersion: string;
  installCrds(client: Client): Promise<void>;
  start(options: {
    kubeconfigPath: string;
    namespace: string;
    work: string;
    concurrent: string;
  }): Promise<Started>;
}

const log = process.env.BENCH_LOG ? 'debug' : 'error';

/**
 * `renderer`: with the long-running renderer (`--helm-renderer-path`), else `helm template` runs.
 * `variant`: what helm-controller gets besides its bin's shebang, to compare side by side: Node
 * flags, and `NAME=VALUE` words as its environment (`MALLOC_ARENA_MAX=2`).
 */
export function weftFlavour(
  releaseEngine: string,
  renderer = true,
  variant: string[] = [],
  /** Another checkout whose helm-controller runs instead (before/after a change; same source-controller). */
  helmRoot?: string,
): Flavour {
  const nodeFlags = variant.filter((word) => !/^[A-Z_]+=/.test(word));
  const variantEnv = Object.fromEntries(
    variant.filter((word) => /^[A-Z_]+=/.test(word)).map((word) => word.split(/=(.*)/s).slice(0, 2)),
  );
  const helmEntry = helmRoot
    ? join(helmRoot, 'packages/helm-controller/bin/weft-helm-controller.js')
    : join(import.meta.dirname, '../bin/weft-helm-controller.js');
  const sourceEntry = join(repoRoot, 'packages/source-controller/bin/weft-source-controller.js');
  return {
    name: `weft (--release-engine=${releaseEngine}, ${renderer ? 'renderer' : 'helm template per render'}${variant.length > 0 ? `, with ${variant.join(' ')}` : ''}${helmRoot ? `, helm-controller of ${helmRoot}` : ''})`,
    helmApiVersion: HelmApiVersion,
    sourceApiVersion: SourceApiVersion,
    async installCrds(client) {
      await installCrds(client, crds() as unknown as CrdObject[]);
    },
    async start({ kubeconfigPath, namespace, work, concurrent }) {
      const env = { ...process.env, NODE_COMPILE_CACHE: join(work, 'compile-cache') };
      await warmCompileCache(helmEntry, env, [...nodeEntry(helmEntry).args.slice(0, -1), ...nodeFlags]);
      await warmCompileCache(sourceEntry, env);
      const spawnNode = (entry: string, args: string[], nodeFlags: string[] = [], extraEnv = {}) =>
        spawn(
          process.execPath,
          [
            ...nodeEntry(entry).args.slice(0, -1),
            ...nodeFlags,
            entry,
            `--kubeconfig=${kubeconfigPath}`,
            '--watch-all-namespaces=false',
            `--namespace=${namespace}`,
            '--health-addr=0',
            `--concurrent=${concurrent}`,
            `--log-level=${log}`,
            ...args,
          ],
          { stdio: ['ignore', 'inherit', 'inherit'], env: { ...env, ...extraEnv } },
        );
      const sourceController = spawnNode(sourceEntry, [
        `--storage-path=${join(work, 'storage')}`,
        `--storage-addr=127.0.0.1:${await freePort()}`,
        '--metrics-addr=0',
      ]);
      const metricsPort = await freePort();
      const helmController = spawnNode(
        helmEntry,
        [
          `--helm-binary=${toolPath('helm')}`,
          ...(renderer ? [`--helm-renderer-path=${toolPath('weft-helm-renderer')}`] : []),
          `--metrics-addr=127.0.0.1:${metricsPort}`,
          `--release-engine=${releaseEngine}`,
        ],
        [...nodeFlags, ...heapSnapshotFlags(heapSnapshotDir)],
        variantEnv,
      );
      return {
        helmController,
        sourceController,
        readyUrl: `http://127.0.0.1:${metricsPort}/metrics`,
        heapSnapshot: heapSnapshotDir
          ? (name: string) => writeHeapSnapshot(helmController.pid ?? 0, heapSnapshotDir, name)
          : undefined,
      };
    },
  };
}

export async function fluxFlavour(): Promise<Flavour> {
  const built = await fluxControllers((line) => console.error(line));
  return {
    name: `Flux (helm-controller ${fluxHelmControllerVersion})`,
    helmApiVersion: 'helm.toolkit.fluxcd.io/v2',
    sourceApiVersion: 'source.toolkit.fluxcd.io/v1',
    async installCrds(client) {
      await installCrds(client, built.crds as CrdObject[]);
    },
    async start({ kubeconfigPath, namespace, work, concurrent }) {
      // --watch-all-namespaces=false: Flux's controllers watch RUNTIME_NAMESPACE only.
      const env = { ...process.env, KUBECONFIG: kubeconfigPath, RUNTIME_NAMESPACE: namespace };
      const common = async () => [
        `--metrics-addr=127.0.0.1:${await freePort()}`,
        '--enable-leader-election=false',
        '--watch-all-namespaces=false',
        `--concurrent=${concurrent}`,
        `--log-level=${log}`,
        '--events-addr=',
      ];
      const storage = join(work, 'flux-storage');
      await mkdir(storage, { recursive: true }); // Flux refuses a storage path that does not exist
      const storagePort = await freePort();
      const sourceController = spawn(
        built.sourceController,
        [
          ...(await common()),
          `--health-addr=127.0.0.1:${await freePort()}`,
          `--storage-path=${storage}`,
          `--storage-addr=127.0.0.1:${storagePort}`,
          `--storage-adv-addr=127.0.0.1:${storagePort}`,
        ],
        { stdio: ['ignore', 'inherit', 'inherit'], env },
      );
      const healthPort = await freePort();
      const helmController = spawn(
        built.helmController,
        [...(await common()), `--health-addr=127.0.0.1:${healthPort}`],
        { stdio: ['ignore', 'inherit', 'inherit'], env },
      );
      return { helmController, sourceController, readyUrl: `http://127.0.0.1:${healthPort}/readyz` };
    },
  };
}
