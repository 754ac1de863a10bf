/**
 * The reflector half of image-automation-controller: ImageRepository (scans tags into the tag
 * store) and ImagePolicy (picks a tag from them), over the manager's cache.
 *
 * - ImageRepositories: the controller's own informer, also read by ImagePolicy for its
 *   repository; a new `status.lastScanResult.revision` reconciles at once the policies that name
 *   the repository (an index by repository);
 * - the tag lists: `tagStore`, one file per repository under `storagePath`; the automation half
 *   reads ImagePolicy status only, and anything else that needs a full list reads it here.
 */
import { ImageApiVersion, ImagePolicyKind, ImageRepositoryKind } from '@weft/api';
import { cacheKind, ObjectIndex } from '@weft/runtime/cache';
import type { Client } from '@weft/runtime/client';
import { type Manager, shardScope } from '@weft/runtime/manager';
import type { Controller } from '@weft/runtime/reconcile';
import { type ImagePolicyObject, ImagePolicyReconciler } from './policy-reconciler.ts';
import type { ImageRepositoryObject } from './registry.ts';
import { ImageRepositoryReconciler, repositoryKey } from './repository-reconciler.ts';
import { FileTagStore, type TagStore } from './tag-store.ts';

export const FieldManager = 'image-automation-controller';

export interface ReflectorOptions {
  /** Directory of the tag store (Flux's `--storage-path`, default `/data`). */
  storagePath?: string;
  /** Refuse ImagePolicies naming an ImageRepository of another namespace. */
  noCrossNamespaceRefs?: boolean;
  /** Tags kept decoded in memory (default 1,000,000). */
  memoryTags?: number;
  /** Default the manager's client. */
  client?: Client;
}

export interface Reflector {
  tagStore: TagStore;
  repositories: Controller<ImageRepositoryObject>;
  policies: Controller<ImagePolicyObject>;
}

const imageRepositories = cacheKind<ImageRepositoryObject>(ImageApiVersion, ImageRepositoryKind);
const imagePolicies = cacheKind<ImagePolicyObject>(ImageApiVersion, ImagePolicyKind);

const scanRevision = (obj: ImageRepositoryObject | undefined) => obj?.status?.lastScanResult?.revision;

export function addReflector(manager: Manager, options: ReflectorOptions): Reflector {
  const client = (options.client ?? manager.client(FieldManager)).withFieldManager(FieldManager);
  const store = new FileTagStore({
    dir: options.storagePath ?? '/data',
    ...(options.memoryTags === undefined ? {} : { memoryTags: options.memoryTags }),
  });
  const scope = shardScope(manager.flags);
  const repositoryInformer = manager.cache.informer(imageRepositories, scope);
  const policyInformer = manager.cache.informer(imagePolicies, scope);
  const repositories = manager.addController<ImageRepositoryObject>({
    name: 'imagerepository',
    reconciler: new ImageRepositoryReconciler({ client, store }),
    informer: repositoryInformer,
    client,
  });
  const policies = manager.addController<ImagePolicyObject>({
    name: 'imagepolicy',
    reconciler: new ImagePolicyReconciler({
      client,
      store,
      noCrossNamespaceRefs: options.noCrossNamespaceRefs === true,
      // The cache first; a repository outside this instance's shard or namespace with a GET.
      getRepository: async (repoNamespace, name) =>
        repositoryInformer.get(repositoryKey(repoNamespace, name)) ??
        (await client.find<ImageRepositoryObject>({
          apiVersion: ImageApiVersion,
          kind: ImageRepositoryKind,
          namespace: repoNamespace,
          name,
        })),
    }),
    informer: policyInformer,
    client,
  });
  const byRepository = new ObjectIndex(policyInformer, (policy) => [
    repositoryKey(
      policy.spec.imageRepositoryRef.namespace || policy.metadata.namespace,
      policy.spec.imageRepositoryRef.name,
    ),
  ]);
  policies.watches(repositoryInformer, (obj, oldObj) => {
    // A new scan result, a new spec (accessFrom, image), or the repository appearing or going:
    // the policies naming it. Status writes without a new scan and resyncs are not.
    if (
      oldObj !== undefined &&
      scanRevision(obj) === scanRevision(oldObj) &&
      obj.metadata.generation === oldObj.metadata.generation
    )
      return [];
    return byRepository.keys(repositoryKey(obj.metadata.namespace, obj.metadata.name));
  });
  return { tagStore: store, repositories, policies };
}
