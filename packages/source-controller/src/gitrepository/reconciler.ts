import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionType,
  type GitRepository,
  GitRepositoryKind,
  type GitRepositorySpec,
  type GitRepositoryStatus,
  Reason,
  SourceApiVersion,
} from '@weft/api';
import { buildArtifact, type Storage } from '@weft/artifact';
import { type FetchLimits, type GitAuth, GitError } from '@weft/git';
import type { Client, KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { errorMessage } from '@weft/runtime/errors';
import {
  parseDuration,
  type ReconcileContext,
  ReconcileError,
  type ReconcileResult,
  type Reconciler,
  StalledError,
} from '@weft/runtime/reconcile';
import type { SourceResult } from '../git/checkout.ts';
import {
  artifactRef,
  asConditioned,
  reconcileStorage,
  type SourceObject,
  type StorageSource,
  storeArtifact,
  storedMessage,
} from '../source/artifact-steps.ts';
import { readAuth } from './auth.ts';
import { gitRepositoryFields } from './fields.ts';
import { copyIncluded, type IncludedArtifact, listIncluded, sameInclude } from './include.ts';
import { GitReason } from './reasons.ts';
import { sparseDirectories, sparseFilter } from './sparse.ts';
import { reconcileVerification, verifiedAsAsked } from './verification.ts';

/**
 * The git transport (isomorphic-git, ssh2), loaded on the first GitRepository: a
 * source-controller that serves only OCI, Helm or Bucket sources never holds it in memory.
 */
const gitTransport = () => import('../git/checkout.ts');

export { GitReason } from './reasons.ts';

type Status = GitRepositoryStatus;

export interface GitRepositoryReconcilerOptions {
  /** Reads Secrets and included GitRepositories. */
  client: Pick<Client, 'get'>;
  /** The artifact storage; a function when it exists only once the artifact server is bound. */
  storage: StorageSource;
  /** Artifacts kept per object and their TTL (Flux: 2 and 1 minute). */
  gc?: { keep?: number; ttlMs?: number };
  limits?: Partial<FetchLimits>;
}

interface SourceOutcome {
  revision: string;
  /** The checkout when the revision (or content config) changed; absent when nothing to do. */
  checkout?: { dir: string; result: SourceResult };
}

const ownedConditions = [
  ConditionType.StorageOperationFailed,
  ConditionType.FetchFailed,
  ConditionType.IncludeUnavailable,
  ConditionType.ArtifactInStorage,
  ConditionType.SourceVerified,
] as const;

/**
 * GitRepository, in Flux's steps: reconcileStorage (is the artifact still there), reconcileSource
 * (ask the remote for the ref's commit; clone only when it changed), reconcileInclude (copy the
 * artifacts of included GitRepositories) and reconcileArtifact (build, store, GC). Each step sets
 * its own conditions; a failed step throws a `ReconcileError` with Flux's Ready reason
 * (`GitOperationFailed`, `AuthenticationFailed`, `ArtifactFailed`, `StorageOperationFailed`), and
 * success reports `Succeeded` with "stored artifact for revision '…'", as Flux's GitRepository.
 */
export class GitRepositoryReconciler implements Reconciler<GitRepository & KubeObject> {
  readonly apiVersion = SourceApiVersion;
  readonly kind = GitRepositoryKind;
  readonly conditions = ownedConditions;
  readonly fields = gitRepositoryFields;
  /** Its one side effect, the artifact, is stored through storeArtifact, which awaits the finalizer. */
  readonly awaitsFinalizer = true;
  readonly negativePolarity = [
    ConditionType.StorageOperationFailed,
    ConditionType.FetchFailed,
    ConditionType.IncludeUnavailable,
  ];
  readonly #options: GitRepositoryReconcilerOptions;

  constructor(options: GitRepositoryReconcilerOptions) {
    this.#options = options;
  }

  #storage(): Storage {
    const storage = this.#options.storage;
    return typeof storage === 'function' ? storage() : storage;
  }

  async reconcile(obj: GitRepository & KubeObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.status ??= {};
    const status: Status = obj.status;
    const workDir = await mkdtemp(join(tmpdir(), 'weft-gitrepository-'));
    try {
      await this.reconcileStorage(obj, status, ctx);
      const included = await listIncluded(this.#options.client, obj, ctx);
      const source = await this.reconcileSource(obj, status, ctx, workDir, included);
      if (source.checkout) {
        try {
          await reconcileVerification(this.#options.client, obj, status, ctx, source.checkout.result);
          await copyIncluded(obj, ctx, { dir: source.checkout.dir, workDir, included });
          await this.reconcileArtifact(
            obj,
            status,
            ctx,
            source.checkout.dir,
            source.checkout.result,
            included,
          );
        } finally {
          await source.checkout.result.dispose();
        }
      }
      const revision = status.artifact?.revision ?? source.revision;
      return { ready: { reason: Reason.Succeeded, message: storedMessage(revision) } };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  async finalize(obj: GitRepository & KubeObject): Promise<void> {
    await this.#storage().removeAll(artifactRef(GitRepositoryKind, obj));
  }

  /** Is the artifact in status still in storage? Also re-points its URL at the advertised address. */
  async reconcileStorage(
    obj: GitRepository & KubeObject,
    _status: Status,
    ctx: ReconcileContext,
  ): Promise<void> {
    await reconcileStorage(obj as SourceObject, this.#storage(), artifactRef(GitRepositoryKind, obj), ctx);
  }

  /**
   * Asks the remote which commit the ref points at; when that is the stored revision and the
   * content config (ignore, include and the included artifacts) is unchanged, does nothing more.
   * Otherwise checks the ref out into `workDir`.
   */
  async reconcileSource(
    obj: GitRepository & KubeObject,
    status: Status,
    ctx: ReconcileContext,
    workDir: string,
    included: IncludedArtifact[],
  ): Promise<SourceOutcome> {
    const spec = obj.spec;
    const cond = asConditioned(obj);
    let auth: GitAuth | undefined;
    const timeoutMs = spec.timeout === undefined ? 60_000 : parseDuration(spec.timeout);
    try {
      auth = await readAuth(this.#options.client, obj);
      const git = await gitTransport();
      const options = {
        url: spec.url,
        ref: spec.ref ?? {},
        timeoutMs,
        ...(auth === undefined ? {} : { auth }),
        ...(this.#options.limits === undefined ? {} : { limits: this.#options.limits }),
      };
      const current = status.artifact;
      if (
        current &&
        status.observedIgnore === spec.ignore &&
        sameInclude(status, spec, included) &&
        sameSparse(status, spec) &&
        verifiedAsAsked(obj)
      ) {
        const remote = await git.remoteRevision(options);
        if (remote.revision === current.revision) {
          conditions.removeCondition(cond, ConditionType.FetchFailed);
          ctx.log.debug({ revision: remote.revision }, 'revision unchanged: no fetch');
          return { revision: remote.revision };
        }
      }
      const dir = join(workDir, 'source');
      const checkoutOptions = {
        ...options,
        dir,
        ...(spec.ignore === undefined ? {} : { ignore: spec.ignore }),
      };
      // Includes are copied into the tree, so it must be on disk; otherwise the artifact is built
      // straight from the fetched objects.
      const result: SourceResult =
        (spec.include ?? []).length > 0
          ? { ...(await git.checkout(checkoutOptions)), entries: undefined, dispose: async () => {} }
          : await git.fetchSource(checkoutOptions);
      conditions.removeCondition(cond, ConditionType.FetchFailed);
      return { revision: result.revision, checkout: { dir, result } };
    } catch (error) {
      const reason = fetchFailedReason(error);
      const message = errorMessage(error);
      conditions.markTrue(cond, ConditionType.FetchFailed, reason, message, ctx.now);
      if (error instanceof GitError && error.code === 'InvalidUrl')
        throw new StalledError(Reason.InvalidURL, message);
      if (error instanceof ReconcileError) throw error;
      throw new ReconcileError(reason, message, { cause: error });
    }
  }

  /** Builds the tarball; stores it unless the same content is already stored; GCs old ones. */
  async reconcileArtifact(
    obj: GitRepository & KubeObject,
    status: Status,
    ctx: ReconcileContext,
    dir: string,
    result: SourceResult,
    included: IncludedArtifact[],
  ): Promise<void> {
    // A bad directory stalls before anything is built (not a storage failure).
    const sparse = sparseDirectories(obj.spec.sparseCheckout ?? []);
    const inSparse = sparse.length === 0 ? () => true : sparseFilter(sparse);
    let built: { path: string; digest: string };
    try {
      built = await buildArtifact({
        dir,
        filter: (path, isDir) => !result.ignoreRules.excludes(path, isDir) && inSparse(path, isDir),
        escapingSymlinks: 'skip',
        ...(result.entries === undefined ? {} : { entries: result.entries }),
      });
    } catch (error) {
      const message = `storing the artifact failed: ${errorMessage(error)}`;
      conditions.markTrue(
        asConditioned(obj),
        ConditionType.StorageOperationFailed,
        Reason.StorageOperationFailed,
        message,
        ctx.now,
      );
      throw new ReconcileError(Reason.StorageOperationFailed, message, { cause: error });
    }
    await storeArtifact(obj as SourceObject, {
      storage: this.#storage(),
      ref: artifactRef(GitRepositoryKind, obj),
      tarball: built.path,
      digest: built.digest,
      revision: result.revision,
      gc: this.#options.gc,
      ctx,
      statusUrl: false,
      event: {
        reason: GitReason.NewArtifact,
        note: `stored artifact for commit '${result.revision}' (${built.digest})`,
      },
    });
    if (obj.spec.ignore === undefined) delete status.observedIgnore;
    else status.observedIgnore = obj.spec.ignore;
    if ((obj.spec.sparseCheckout ?? []).length === 0) delete status.observedSparseCheckout;
    else status.observedSparseCheckout = [...(obj.spec.sparseCheckout ?? [])];
    if (obj.spec.include === undefined) {
      delete status.observedInclude;
      delete status.includedArtifacts;
    } else {
      status.observedInclude = obj.spec.include;
      status.includedArtifacts = included;
    }
  }
}

function fetchFailedReason(error: unknown): string {
  if (!(error instanceof GitError)) return Reason.GitOperationFailed;
  switch (error.code) {
    case 'AuthenticationFailed':
    case 'InvalidSecret':
    case 'HostKeyUnknown':
      return Reason.AuthenticationFailed;
    case 'InvalidUrl':
      return Reason.InvalidURL;
    default:
      return Reason.GitOperationFailed;
  }
}

/** The same list of sparse directories (order included) as the stored artifact's. */
function sameSparse(status: Status, spec: GitRepositorySpec): boolean {
  return JSON.stringify(status.observedSparseCheckout ?? []) === JSON.stringify(spec.sparseCheckout ?? []);
}
