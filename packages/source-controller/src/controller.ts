/**
 * Adds source-controller to a runtime Manager: the artifact server (a runnable the manager starts
 * and stops) and the GitRepository, OCIRepository and Bucket controllers over the manager's cache.
 */
import type { Bucket, GitRepository, OCIRepository } from '@weft/api';
import type { Client, Controller, KubeObject, Manager } from '@weft/runtime';
import { ArtifactService } from './artifact-server.ts';
import { BucketReconciler } from './bucket/reconciler.ts';
import type { SourceControllerConfig } from './flags.ts';
import { GitRepositoryReconciler } from './gitrepository/reconciler.ts';
import { OCIRepositoryReconciler } from './ocirepository/reconciler.ts';

export const FieldManager = 'source-controller';

export interface SourceControllerOptions
  extends Pick<SourceControllerConfig, 'storagePath' | 'storageAddr' | 'storageAdvAddr' | 'gc'> {
  /** The controller's client; default the manager's, writing as `source-controller`. */
  client?: Client;
}

export interface SourceController {
  artifacts: ArtifactService;
  gitRepositories: Controller<GitRepository & KubeObject>;
  ociRepositories: Controller<OCIRepository & KubeObject>;
  buckets: Controller<Bucket & KubeObject>;
}

/** Registers the artifact server and the source controllers (before `manager.start()`). */
export function addSourceController(manager: Manager, options: SourceControllerOptions): SourceController {
  const client = options.client ?? manager.client(FieldManager);
  const artifacts = new ArtifactService(options);
  manager.add(artifacts);
  const gitRepositories = manager.addController<GitRepository & KubeObject>({
    reconciler: new GitRepositoryReconciler({ client, storage: () => artifacts.storage, gc: options.gc }),
    client,
  });
  const storage = () => artifacts.storage;
  const ociRepositories = manager.addController<OCIRepository & KubeObject>({
    reconciler: new OCIRepositoryReconciler({ client, storage, gc: options.gc }),
    client,
  });
  const buckets = manager.addController<Bucket & KubeObject>({
    reconciler: new BucketReconciler({ client, storage, gc: options.gc }),
    client,
  });
  return { artifacts, gitRepositories, ociRepositories, buckets };
}
