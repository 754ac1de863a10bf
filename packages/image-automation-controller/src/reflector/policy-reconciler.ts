/**
 * ImagePolicy, in Flux's steps: find the ImageRepository (and check the policy may use it), read
 * its stored tag list, apply filterTags and the policy, reflect the chosen tag's digest as
 * `digestReflectionPolicy` asks, and write `status.latestRef` (the previous one to
 * `observedPreviousRef` when it changes, with an Event).
 */
import { ImageApiVersion, type ImagePolicy, ImagePolicyKind, type ImagePolicyStatus } from '@weft/api';
import type { ImageName } from '@weft/oci';
import type { Client, KubeObject } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import {
  type ReconcileContext,
  ReconcileError,
  type ReconcileResult,
  type Reconciler,
  StalledError,
} from '@weft/runtime/reconcile';
import { accessDenied } from './access.ts';
import { imagePolicyFields } from './fields.ts';
import { describePolicy, InvalidPolicyError, PolicyError, selectTag } from './policy.ts';
import { ImageReason } from './reasons.ts';
import { type ImageRepositoryObject, withRegistry } from './registry.ts';
import { imageOf, repositoryKey } from './repository-reconciler.ts';
import type { TagStore } from './tag-store.ts';

export type ImagePolicyObject = ImagePolicy & KubeObject;
type ImageRef = NonNullable<ImagePolicyStatus['latestRef']>;

export interface ImagePolicyReconcilerOptions {
  /** Reads Namespaces (accessFrom), Secrets and ServiceAccounts (digest lookups). */
  client: Pick<Client, 'get'>;
  store: TagStore;
  /** The ImageRepository `namespace/name`, from the cache; undefined when it does not exist. */
  getRepository(namespace: string, name: string): Promise<ImageRepositoryObject | undefined>;
  /** `--no-cross-namespace-refs` */
  noCrossNamespaceRefs?: boolean;
}

/** Tags listed in a "nothing matches" message. */
const tagsShown = 10;

export function readyMessage(latest: ImageRef, previous: ImageRef | undefined): string {
  let message = `Latest image tag for ${latest.name} resolved to ${latest.tag}`;
  if (latest.digest) message += ` with digest ${latest.digest}`;
  if (previous && !sameRef(previous, latest))
    message += ` (previously ${previous.name}:${previous.tag}${previous.digest ? `@${previous.digest}` : ''})`;
  return message;
}

const sameRef = (a: ImageRef | undefined, b: ImageRef | undefined) =>
  a?.name === b?.name && a?.tag === b?.tag && (a?.digest ?? '') === (b?.digest ?? '');

/** Spec errors no tag list can fix: the object is stalled until the spec changes. */
function checkSpec(obj: ImagePolicyObject): void {
  if (obj.spec.digestReflectionPolicy === 'Always' && !obj.spec.interval)
    throw new StalledError(
      ImageReason.IntervalNotConfigured,
      "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
    );
  try {
    selectTag([], obj.spec); // compiles the policy and the filter
  } catch (error) {
    if (error instanceof InvalidPolicyError)
      throw new StalledError(ImageReason.InvalidPolicy, `invalid policy: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The tag the policy picks; a choice the tags do not allow is Ready=False saying what it saw. */
function chooseTag(
  obj: ImagePolicyObject,
  repository: ImageRepositoryObject,
  tags: readonly string[],
): string {
  let selection: ReturnType<typeof selectTag>;
  try {
    selection = selectTag(tags, obj.spec);
  } catch (error) {
    if (error instanceof PolicyError)
      throw new ReconcileError(
        ImageReason.Failure,
        `cannot determine latest tag for policy: ${error.message}`,
      );
    throw error;
  }
  if (selection.tag !== undefined) return selection.tag;
  const seen = [...tags].reverse().slice(0, tagsShown);
  const filtered = selection.considered === tags.length ? '' : `, ${selection.considered} after filterTags`;
  throw new ReconcileError(
    ImageReason.Failure,
    `no tag of ${repository.spec.image} matches ${describePolicy(obj.spec)} (${tags.length} tags seen${filtered}; ` +
      `latest by name: ${seen.join(', ')}${tags.length > tagsShown ? ', …' : ''})`,
  );
}

export class ImagePolicyReconciler implements Reconciler<ImagePolicyObject> {
  readonly apiVersion = ImageApiVersion;
  readonly kind = ImagePolicyKind;
  readonly fields = imagePolicyFields;
  readonly #options: ImagePolicyReconcilerOptions;

  constructor(options: ImagePolicyReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(obj: ImagePolicyObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.status ??= {};
    const status: ImagePolicyStatus = obj.status;
    checkSpec(obj);
    const repository = await this.#repository(obj);
    const image = imageOf(repository);
    const key = repositoryKey(repository.metadata.namespace, repository.metadata.name);
    const stored = await this.#options.store.get(key);
    if (!stored || stored.tags.length === 0) {
      const why = stored ? 'has no tags' : 'has not been scanned yet';
      return {
        notReady: { reason: ImageReason.DependencyNotReady, message: `ImageRepository ${key} ${why}` },
      };
    }
    const latest: ImageRef = { name: repository.spec.image, tag: chooseTag(obj, repository, stored.tags) };
    const current = status.latestRef;
    const digest = await this.#reflectDigest(obj, current, latest, repository, image, ctx);
    if (digest) latest.digest = digest;
    if (!sameRef(current, latest)) {
      if (current) status.observedPreviousRef = current;
      status.latestRef = latest;
      await ctx.events.record(obj, {
        type: 'Normal',
        reason: ImageReason.Succeeded,
        note: readyMessage(latest, current),
        revision: latest.digest ? `${latest.tag}@${latest.digest}` : latest.tag,
      });
    }
    return {
      ready: { reason: ImageReason.Succeeded, message: readyMessage(latest, status.observedPreviousRef) },
    };
  }

  /** The digest `digestReflectionPolicy` asks for: none, the one kept for the same tag, or a HEAD. */
  async #reflectDigest(
    obj: ImagePolicyObject,
    current: ImageRef | undefined,
    latest: ImageRef,
    repository: ImageRepositoryObject,
    image: ImageName,
    ctx: ReconcileContext,
  ): Promise<string | undefined> {
    const reflect = obj.spec.digestReflectionPolicy ?? 'Never';
    if (reflect === 'Never') return undefined;
    // IfNotPresent keeps the digest it has for the same tag; Always asks the registry each time.
    if (
      reflect === 'IfNotPresent' &&
      current?.name === latest.name &&
      current.tag === latest.tag &&
      current.digest
    )
      return current.digest;
    return this.#digest(repository, image, latest.tag, ctx);
  }

  /** The ImageRepository the policy names, when it exists and the policy may use it. */
  async #repository(obj: ImagePolicyObject): Promise<ImageRepositoryObject> {
    const namespace = obj.metadata.namespace ?? '';
    const ref = obj.spec.imageRepositoryRef;
    const repositoryNamespace = ref.namespace || namespace;
    const key = `${repositoryNamespace}/${ref.name}`;
    const denied = (why: string) =>
      new ReconcileError(ImageReason.AccessDenied, `failed to get the referred ImageRepository: ${why}`);
    if (this.#options.noCrossNamespaceRefs && repositoryNamespace !== namespace)
      throw denied(
        accessDenied(
          namespace,
          { namespace: repositoryNamespace, name: ref.name, accessFrom: undefined },
          {},
          true,
        ) ?? '',
      );
    const repository = await this.#options.getRepository(repositoryNamespace, ref.name);
    if (!repository)
      throw new ReconcileError(
        ImageReason.DependencyNotReady,
        `referenced ImageRepository ${key} does not exist`,
      );
    if (repositoryNamespace !== namespace) {
      const labels = await this.#namespaceLabels(namespace);
      const why = accessDenied(
        namespace,
        { namespace: repositoryNamespace, name: ref.name, accessFrom: repository.spec.accessFrom },
        labels,
        false,
      );
      if (why) throw denied(why);
    }
    return repository;
  }

  async #namespaceLabels(namespace: string): Promise<Record<string, string>> {
    const object = await this.#options.client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
    return object.metadata.labels ?? {};
  }

  /** The digest of `tag` from a manifest HEAD, with the repository's credentials. */
  async #digest(
    repository: ImageRepositoryObject,
    image: ImageName,
    tag: string,
    ctx: ReconcileContext,
  ): Promise<string> {
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(60_000)]);
    return withRegistry(this.#options.client, repository, image, signal, async (registry) => {
      try {
        return (await registry.resolve(image.repository, tag)).digest;
      } catch (error) {
        throw new ReconcileError(
          ImageReason.Failure,
          `failed fetching digest of ${repository.spec.image}:${tag}: ${errorMessage(error)}`,
          { cause: error },
        );
      }
    });
  }
}
