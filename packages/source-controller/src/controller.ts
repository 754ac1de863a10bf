import { mkdir } from 'node:fs/promises';
import {
  type Bucket,
  BucketKind,
  type GitRepository,
  GitRepositoryKind,
  type OCIRepository,
  OCIRepositoryKind,
  SourceApiVersion,
} from '@weft/api';
import { type ArtifactServer, Storage, serve } from '@weft/artifact';
import {
  Client,
  FlagError,
  Informer,
  type KubeObject,
  loadKubeConfig,
  Manager,
  type ManagerOptions,
  parseAddress,
  parseFlags,
  type RuntimeFlags,
} from '@weft/runtime';
import { BucketReconciler } from './bucket/reconciler.ts';
import { GitRepositoryReconciler } from './gitrepository/reconciler.ts';
import { OCIRepositoryReconciler } from './ocirepository/reconciler.ts';

/** source-controller's own flags, on top of the runtime's shared ones. */
export const sourceControllerFlags = {
  'storage-path': { type: 'string', default: '/data' },
  'storage-addr': { type: 'string', default: ':9090' },
  'storage-adv-addr': { type: 'string' },
  'artifact-retention-records': { type: 'string', default: '2' },
  'artifact-retention-ttl': { type: 'string', default: '60s' },
} as const;

export interface SourceControllerConfig {
  runtime: RuntimeFlags;
  storagePath: string;
  /** `host:port` or `:port` the artifact server binds. */
  storageAddr: string;
  /** The address in artifact URLs; default the bound address. */
  storageAdvAddr: string | undefined;
  gc: { keep: number; ttlMs: number };
}

export function parseSourceControllerFlags(
  argv: readonly string[],
  env = process.env,
): SourceControllerConfig {
  const { runtime, values } = parseFlags(argv, {
    extra: sourceControllerFlags,
    env,
    name: 'source-controller',
  });
  const text = (name: keyof typeof sourceControllerFlags) => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const keep = Number(text('artifact-retention-records'));
  if (!Number.isInteger(keep) || keep < 1)
    throw new FlagError('artifact-retention-records', 'must be a positive integer');
  const ttl = text('artifact-retention-ttl') ?? '60s';
  const ttlMatch = /^(\d+)(ms|s|m|h)$/.exec(ttl);
  if (!ttlMatch) throw new FlagError('artifact-retention-ttl', `"${ttl}" is not a duration like 60s`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[ttlMatch[2] as 'ms' | 's' | 'm' | 'h'];
  return {
    runtime,
    storagePath: text('storage-path') ?? '/data',
    storageAddr: text('storage-addr') ?? ':9090',
    storageAdvAddr: text('storage-adv-addr'),
    gc: { keep, ttlMs: Number(ttlMatch[1]) * unit },
  };
}

export interface RunningSourceController {
  manager: Manager;
  artifactServer: ArtifactServer;
  storage: Storage;
  stop(): Promise<void>;
}

/** Starts the artifact server and a manager running the GitRepository, OCIRepository and Bucket reconcilers. */
export async function startSourceController(
  config: SourceControllerConfig,
  options: {
    kubeConfig?: NonNullable<ManagerOptions['kubeConfig']>;
    managerOptions?: Partial<ManagerOptions>;
  } = {},
): Promise<RunningSourceController> {
  const kubeConfig = options.kubeConfig ?? loadKubeConfig(config.runtime);
  await mkdir(config.storagePath, { recursive: true });
  const bind = parseAddress(config.storageAddr);
  const artifactServer = await serve({
    root: config.storagePath,
    host: bind?.host ?? '0.0.0.0',
    port: bind?.port ?? 0,
  });
  const storage = new Storage({
    root: config.storagePath,
    advertisedAddress: config.storageAdvAddr ?? artifactServer.url,
  });
  const client = new Client(kubeConfig, { fieldManager: 'source-controller' });
  const manager = new Manager({
    name: 'source-controller',
    flags: config.runtime,
    kubeConfig,
    ...options.managerOptions,
  });
  const informer = new Informer<GitRepository & KubeObject>(client, {
    apiVersion: SourceApiVersion,
    kind: GitRepositoryKind,
    namespace: config.runtime.watchAllNamespaces ? undefined : config.runtime.namespace,
    labelSelector: config.runtime.watchLabelSelector,
  });
  manager.addController({
    reconciler: new GitRepositoryReconciler({ client, storage, gc: config.gc }),
    informer,
    client,
  });
  manager.addController({
    reconciler: new OCIRepositoryReconciler({ client, storage, gc: config.gc }),
    informer: sourceInformer<OCIRepository & KubeObject>(client, config, OCIRepositoryKind),
    client,
  });
  manager.addController({
    reconciler: new BucketReconciler({ client, storage, gc: config.gc }),
    informer: sourceInformer<Bucket & KubeObject>(client, config, BucketKind),
    client,
  });
  await manager.start();
  return {
    manager,
    artifactServer,
    storage,
    async stop() {
      await manager.stop();
      await artifactServer.close();
    },
  };
}

/** An informer of one source kind, scoped by the runtime's namespace and label-selector flags. */
function sourceInformer<T extends KubeObject>(
  client: Client,
  config: SourceControllerConfig,
  kind: string,
): Informer<T> {
  return new Informer<T>(client, {
    apiVersion: SourceApiVersion,
    kind,
    namespace: config.runtime.watchAllNamespaces ? undefined : config.runtime.namespace,
    labelSelector: config.runtime.watchLabelSelector,
  });
}
