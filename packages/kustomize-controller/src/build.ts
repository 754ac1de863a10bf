/**
 * The build step of a Kustomization: from the extracted artifact to the objects to apply.
 * spec.path inside the artifact → the generated or patched kustomization.yaml (generate.ts) →
 * SOPS decryption in memory (decryption.ts) → kustomize build → postBuild substitution (variables.ts, substitute.ts) → commonMetadata and
 * the owner labels. Every failure is a ReconcileError with reason BuildFailed (a path that leaves
 * the artifact is ArtifactFailed) and names the file or object.
 */
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { Label, Reason } from '@weft/api';
import { build, KustomizeError } from '@weft/kustomize';
import { type Client, isKubeObject, type KubeObject } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import { ReconcileError } from '@weft/runtime/reconcile';
import { BuildCache } from './build-cache.ts';
import type { Decryption } from './decryption.ts';
import { GenerateError, prepareKustomization } from './generate.ts';
import { SubstituteError, substituteObjects } from './substitute.ts';
import type { KustomizationObject } from './types.ts';
import { postBuildVariables } from './variables.ts';

/**
 * SOPS (OpenPGP, age) is loaded on the first Kustomization with spec.decryption: ~20 MiB of RSS
 * that a controller without one never pays.
 */
type DecryptionModules = {
  decryption: typeof import('./decryption.ts');
  sops: typeof import('@weft/sops');
};
let decryptionModules: Promise<DecryptionModules> | undefined;
function loadDecryption(): Promise<DecryptionModules> {
  decryptionModules ??= Promise.all([import('./decryption.ts'), import('@weft/sops')]).then(
    ([decryption, sops]) => ({ decryption, sops }),
  );
  return decryptionModules;
}

/** Is the error one of decryption's (only possible once its modules are loaded)? */
function isDecryptionError(error: unknown, modules: DecryptionModules | undefined): error is Error {
  if (!modules) return false;
  const { sops, decryption } = modules;
  return (
    error instanceof sops.SopsError ||
    error instanceof sops.SopsKeyError ||
    error instanceof decryption.DecryptionError
  );
}

export interface BuildOptions {
  /** Reads the ConfigMaps and Secrets of postBuild.substituteFrom. */
  client: Client;
  /** Unset postBuild variables without a default are errors. */
  strictSubstitution: boolean;
  /** Remembers builds of the same artifact extraction, path and settings (see build-cache.ts). */
  cache?: BuildCache | undefined;
}

/** Builds the objects to apply; every failure is BuildFailed and names the file or object. */
export async function buildObjects(
  obj: KustomizationObject,
  root: string,
  options: BuildOptions,
): Promise<KubeObject[]> {
  const relativeToRoot = (text: string) => text.split(`${root}${sep}`).join('').split(root).join('.');
  const dir = resolvePath(root, obj.spec.path);
  let built: Record<string, unknown>[];
  let decryption: Decryption | undefined;
  let modules: DecryptionModules | undefined;
  // Decrypted values are never remembered: a Kustomization with decryption builds every time.
  const cacheKey =
    options.cache !== undefined && obj.spec.decryption === undefined
      ? BuildCache.key(root, dir, obj.spec)
      : undefined;
  const remembered = cacheKey === undefined ? undefined : options.cache?.get(cacheKey);
  if (remembered) built = remembered;
  else
    try {
      const kustomization = await prepareKustomization(dir, root, obj.spec);
      // spec.decryption: SOPS files decrypted in memory, read by the build instead of the files.
      if (obj.spec.decryption !== undefined) {
        modules = await loadDecryption();
        decryption = await modules.decryption.sopsDecryption(options.client, obj);
      }
      const files = await decryption?.decryptTree(root);
      built = build(dir, { root, kustomization, ...(files === undefined ? {} : { files }) });
      if (cacheKey !== undefined) options.cache?.set(cacheKey, built);
    } catch (error) {
      if (isDecryptionError(error, modules)) {
        throw new ReconcileError(Reason.BuildFailed, `decryption failed: ${relativeToRoot(error.message)}`);
      }
      if (error instanceof GenerateError || error instanceof KustomizeError) {
        throw new ReconcileError(
          Reason.BuildFailed,
          `kustomize build failed: ${relativeToRoot(error.message)}`,
          {
            cause: error,
          },
        );
      }
      throw new ReconcileError(Reason.BuildFailed, relativeToRoot(errorMessage(error)), {
        cause: error,
      });
    }

  const objects: KubeObject[] = [];
  for (const item of built) {
    if (!isKubeObject(item) || !item.metadata.name) {
      throw new ReconcileError(
        Reason.BuildFailed,
        `failed to decode Kubernetes apiVersion, kind and name from: ${JSON.stringify(item).slice(0, 200)}`,
      );
    }
    objects.push(item);
  }

  let result = objects;
  if (obj.spec.postBuild) {
    try {
      const vars = await postBuildVariables(options.client, obj, decryption);
      result = substituteObjects(objects, vars, { strict: options.strictSubstitution });
    } catch (error) {
      if (error instanceof SubstituteError) {
        throw new ReconcileError(Reason.BuildFailed, `post build failed: ${error.message}`, {
          cause: error,
        });
      }
      if (modules && error instanceof modules.sops.SopsError) {
        throw new ReconcileError(
          Reason.BuildFailed,
          `post build failed: decryption failed: ${error.message}`,
        );
      }
      throw error;
    }
  }

  const common = obj.spec.commonMetadata;
  const owner = ownerLabels(obj);
  for (const item of result) {
    item.metadata.labels = { ...item.metadata.labels, ...common?.labels, ...owner };
    if (common?.annotations && Object.keys(common.annotations).length > 0) {
      item.metadata.annotations = { ...item.metadata.annotations, ...common.annotations };
    }
  }
  return result;
}

/** spec.path inside the artifact; `..` may not leave it. */
function resolvePath(root: string, path: string | undefined): string {
  const cleaned = normalize(`/${path ?? ''}`).replace(/^\/+/, '');
  const dir = join(root, cleaned);
  const rel = relative(root, dir);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ReconcileError(Reason.ArtifactFailed, `spec.path '${path}' leaves the artifact`);
  }
  return dir;
}

/** The labels that mark an applied object as this Kustomization's (pruning and ownership use them). */
export function ownerLabels(obj: KustomizationObject): Record<string, string> {
  return {
    [Label.KustomizeName]: obj.metadata.name ?? '',
    [Label.KustomizeNamespace]: obj.metadata.namespace ?? '',
  };
}
