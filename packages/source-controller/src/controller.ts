/**
 * Adds source-controller to a runtime Manager: the artifact server (a runnable the manager starts
 * and stops) and the GitRepository, HelmRepository, HelmChart, OCIRepository and Bucket
 * controllers over the manager's cache.
 */
import type { Bucket, GitRepository, OCIRepository } from '@weft/api';
import type { Client, KubeObject } from '@weft/runtime/client';
import type { Manager } from '@weft/runtime/manager';
import type { Controller } from '@weft/runtime/reconcile';
import { ArtifactService } from './artifact-server.ts';
import { BucketReconciler } from './bucket/reconciler.ts';
import type { SourceControllerConfig } from './flags.ts';
import { GitRepositoryReconciler } from './gitrepository/reconciler.ts';
import { addHelmSources, type HelmSources } from './helm-sources.ts';
import { OCIRepositoryReconciler } from './ocirepository/reconciler.ts';
import { artifactRecovery } from './recovery.ts';

export const FieldManager = 'source-controller';

export interface SourceControllerOptions
  extends Pick<SourceControllerConfig, 'storagePath' | 'storageAddr' | 'storageAdvAddr' | 'gc'>,
    Partial<Pick<SourceControllerConfig, 'limits'>> {
  /** The controller's client; default the manager's, writing as `source-controller`. */
  client?: Client;
}

export interface SourceController extends HelmSources {
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
  const limits = options.limits;
  const artifactLimits = limits && { maxSize: limits.artifactMaxSize, maxFiles: limits.artifactMaxFiles };
  const helm = addHelmSources(manager, {
    client,
    storage: () => artifacts.storage,
    gc: options.gc,
    ...(limits && {
      limits: { maxIndexBytes: limits.helmIndexMaxSize, maxChartBytes: limits.helmChartMaxSize },
    }),
  });
  const ociRepositories = manager.addController<OCIRepository & KubeObject>({
    reconciler: new OCIRepositoryReconciler({
      client,
      storage: () => artifacts.storage,
      gc: options.gc,
      ...(artifactLimits && { limits: artifactLimits }),
    }),
    client,
  });
  const buckets = manager.addController<Bucket & KubeObject>({
    reconciler: new BucketReconciler({
      client,
      storage: () => artifacts.storage,
      gc: options.gc,
      ...(artifactLimits && { limits: artifactLimits }),
    }),
    client,
  });
  artifacts.recover = artifactRecovery({
    controllers: {
      gitrepository: gitRepositories,
      helmrepository: helm.helmRepositories,
      helmchart: helm.helmCharts,
      ocirepository: ociRepositories,
      bucket: buckets,
    },
    storage: () => artifacts.storage,
  });
  return { artifacts, gitRepositories, ...helm, ociRepositories, buckets };
}
