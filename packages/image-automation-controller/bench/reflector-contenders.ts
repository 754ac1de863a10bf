/**
 * The two ImageRepository controllers the reflector bench runs: weft's image-automation-controller
 * from its bin (as deployed) and Flux's image-reflector-controller binary (built from the Go module
 * proxy by @weft/e2e's Flux builder). Each watches only its own shard label, keeps its tag store in
 * its own directory, and is asked the same question through its metrics: how many ImageRepository
 * reconciles it finished.
 */
import { join } from 'node:path';
import { ImageApiVersion, Label } from '@weft/api';
import { freePort, ManagedProcess, nodeEntry, repoRoot, warmCompileCache } from '@weft/e2e';

export const fluxImageApiVersion = 'image.toolkit.fluxcd.io/v1';

export interface ReflectorContender {
  name: string;
  apiVersion: string;
  /** The label the controller's --watch-label-selector selects on. */
  shardLabel: string;
  /** A new (not started) controller process watching `shard`, its store in `storage`. */
  create(shard: string, storage: string): Promise<ReflectorProcess>;
}

export interface ReflectorProcess {
  process: ManagedProcess;
  /** ImageRepository reconciles finished so far (all results), from the controller's /metrics. */
  reconciles(): Promise<number>;
}

/** A counter summed over the series of `metric` whose labels include `label`, from /metrics. */
function counter(port: number, metric: string, label: string): () => Promise<number> {
  return async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let total = 0;
    for (const line of text.split('\n'))
      if (line.startsWith(`${metric}{`) && line.includes(label)) total += Number(line.split(' ').at(-1));
    return total;
  };
}

export function weftContender(
  kubeconfigPath: string,
  flags: readonly string[],
  nodeFlags: readonly string[] = [],
  root = repoRoot,
  name = 'weft',
): ReflectorContender {
  const entryPath = join(
    root,
    'packages',
    'image-automation-controller',
    'bin',
    'weft-image-automation-controller.js',
  );
  const entry = nodeEntry(entryPath);
  return {
    name,
    apiVersion: ImageApiVersion,
    shardLabel: Label.ShardKey,
    async create(shard, storage) {
      // The compile cache filled first, as the image ships it (the bin enables it; NODE_COMPILE_CACHE
      // puts it beside the store, so each run starts from its own).
      const env = { NODE_COMPILE_CACHE: `${storage}.compile-cache` };
      await warmCompileCache(entryPath, { ...process.env, ...env }, [
        ...nodeFlags,
        ...entry.args.slice(0, -1),
      ]);
      const metricsPort = await freePort();
      const process_ = new ManagedProcess({
        name: 'weft-image-automation-controller',
        command: process.execPath,
        args: [
          ...nodeFlags,
          ...entry.args,
          `--kubeconfig=${kubeconfigPath}`,
          `--metrics-addr=127.0.0.1:${metricsPort}`,
          '--health-addr=0',
          `--watch-label-selector=${Label.ShardKey}=${shard}`,
          `--storage-path=${storage}`,
          '--log-level=error',
          ...flags,
        ],
        logFile: `${storage}.log`,
        env,
      });
      return {
        process: process_,
        reconciles: counter(metricsPort, 'weft_reconcile_total', 'kind="ImageRepository"'),
      };
    },
  };
}

export function fluxContender(
  binary: string,
  version: string,
  kubeconfigPath: string,
  flags: readonly string[],
): ReflectorContender {
  // Flux's controllers shard on their own label key.
  const shardLabel = 'sharding.fluxcd.io/key';
  return {
    name: `flux ${version}`,
    apiVersion: fluxImageApiVersion,
    shardLabel,
    async create(shard, storage) {
      const metricsPort = await freePort();
      const process_ = new ManagedProcess({
        name: 'flux-image-reflector-controller',
        command: binary,
        args: [
          `--watch-label-selector=${shardLabel}=${shard}`,
          `--storage-path=${storage}`,
          `--metrics-addr=127.0.0.1:${metricsPort}`,
          `--health-addr=127.0.0.1:${await freePort()}`,
          '--enable-leader-election=false',
          '--log-level=error',
          ...flags,
        ],
        env: { KUBECONFIG: kubeconfigPath, RUNTIME_NAMESPACE: 'default' },
        logFile: `${storage}.log`,
      });
      return {
        process: process_,
        reconciles: counter(
          metricsPort,
          'controller_runtime_reconcile_total',
          'controller="imagerepository"',
        ),
      };
    },
  };
}
