/**
 * Adds source-controller to a runtime Manager: the artifact server (a runnable the manager starts
 * and stops) and the GitRepository controller over the manager's cache.
 */
import type { GitRepository } from '@weft/api';
import type { Client, KubeObject } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import type { Controller } from '@weft/runtime/reconcile';
import { ArtifactService } from './artifact-server.ts';
import type { SourceControllerConfig } from './flags.ts';
import { GitRepositoryReconciler } from './gitrepository/reconciler.ts';

export const FieldManager = 'source-controller';

export interface SourceControllerOptions
  extends Pick<SourceControllerConfig, 'storagePath' | 'storageAddr' | 'storageAdvAddr' | 'gc'> {
  /** The controller's client; default the manager's, writing as `source-controller`. */
  client?: Client;
}

export interface SourceController {
  artifacts: ArtifactService;
  gitRepositories: Controller<GitRepository & KubeObject>;
}

/** Registers the artifact server and the GitRepository controller (before `manager.start()`). */
export function addSourceController(manager: Manager, options: SourceControllerOptions): SourceController {
  const client = options.client ?? manager.client(FieldManager);
  const artifacts = new ArtifactService(options);
  manager.add(artifacts);
  const gitRepositories = manager.addController<GitRepository & KubeObject>({
    reconciler: new GitRepositoryReconciler({ client, storage: () => artifacts.storage, gc: options.gc }),
    client,
  });
  return { artifacts, gitRepositories };
}
