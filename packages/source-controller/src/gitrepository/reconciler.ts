import { cp, mkdtemp, rm } from 'node:fs/promises';
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
import { buildArtifact, fetchArtifact, type Storage } from '@weft/artifact';
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
import type { GitAuth } from '../git/auth.ts';
import { checkout, fetchSource, remoteRevision, type SourceResult } from '../git/checkout.ts';
import { GitError } from '../git/errors.ts';
import type { FetchLimits } from '../git/limits.ts';
import {
  artifactRef,
  asConditioned,
  reconcileStorage,
  type SourceObject,
  type StorageSource,
  storeArtifact,
  storedMessage,
} from '../source/artifact-steps.ts';
import { readAuth, readSecretData } from './auth.ts';
import { gitRepositoryFields } from './fields.ts';
import { type IncludedArtifact, safeRelative, sameInclude } from './include.ts';
import { sparseDirectories, sparseFilter } from './sparse.ts';
import { verificationMode, verifySource } from './verification.ts';

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

/** Reasons this reconciler sets besides the shared ones. */
export const GitReason = {
  NewArtifact: 'NewArtifact',
  NoArtifact: 'NoArtifact',
  NotFound: 'NotFound',
  ArtifactUnavailable: 'ArtifactUnavailable',
  VerificationError: 'VerificationError',
} as const;

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
      const included = await this.reconcileInclude(obj, ctx, undefined);
      const source = await this.reconcileSource(obj, status, ctx, workDir, included);
      if (source.checkout) {
        try {
          await this.reconcileVerification(obj, status, ctx, source.checkout.result);
          await this.reconcileInclude(obj, ctx, { dir: source.checkout.dir, workDir, included });
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
        const remote = await remoteRevision(options);
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
          ? { ...(await checkout(checkoutOptions)), entries: undefined, dispose: async () => {} }
          : await fetchSource(checkoutOptions);
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

  /**
   * With `spec.verify`: checks the signature of the fetched commit and/or tag against the keys of
   * `spec.verify.secretRef` (SourceVerified True naming the key); an unsigned object, or one
   * signed by a key not listed, fails the reconcile with VerificationError before the artifact
   * is built, so the previous artifact stays. Without it, the condition and mode are cleared.
   */
  async reconcileVerification(
    obj: GitRepository & KubeObject,
    status: Status,
    ctx: ReconcileContext,
    result: SourceResult,
  ): Promise<void> {
    const cond = asConditioned(obj);
    const verify = obj.spec.verify;
    if (verify === undefined) {
      conditions.removeCondition(cond, ConditionType.SourceVerified);
      delete status.sourceVerificationMode;
      return;
    }
    const secretName = verify.secretRef.name;
    try {
      const outcome = await verifySource({
        mode: verify.mode,
        ref: obj.spec.ref ?? {},
        result,
        readSecret: () =>
          readSecretData(
            this.#options.client,
            obj.metadata.namespace ?? '',
            secretName,
            'spec.verify.secretRef',
          ),
        secretName: `${obj.metadata.namespace ?? ''}/${secretName}`,
      });
      status.sourceVerificationMode = outcome.mode;
      conditions.markTrue(cond, ConditionType.SourceVerified, Reason.Succeeded, outcome.message, ctx.now);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      delete status.sourceVerificationMode;
      conditions.markFalse(cond, ConditionType.SourceVerified, GitReason.VerificationError, message, ctx.now);
      if (error instanceof StalledError) throw error;
      throw new ReconcileError(GitReason.VerificationError, message, { cause: error });
    }
  }

  /**
   * Without `target`: checks every included GitRepository has an artifact and returns them.
   * With it: downloads each, verifies its digest and copies `fromPath` to `toPath`.
   */
  async reconcileInclude(
    obj: GitRepository & KubeObject,
    ctx: ReconcileContext,
    target: { dir: string; workDir: string; included: IncludedArtifact[] } | undefined,
  ): Promise<IncludedArtifact[]> {
    const includes = obj.spec.include ?? [];
    const cond = asConditioned(obj);
    if (includes.length === 0) {
      conditions.removeCondition(cond, ConditionType.IncludeUnavailable);
      return [];
    }
    if (target) {
      for (const [index, include] of includes.entries()) {
        const artifact = target.included[index] as IncludedArtifact;
        const fromPath = safeRelative(include.fromPath ?? '', 'fromPath');
        const toPath = safeRelative(include.toPath ?? include.repository.name, 'toPath');
        const extracted = join(target.workDir, `include-${index}`);
        try {
          await fetchArtifact({ url: artifact.url, digest: artifact.digest, dir: extracted });
          await cp(join(extracted, fromPath), join(target.dir, toPath), { recursive: true, force: true });
        } catch (error) {
          const message = `include of GitRepository ${include.repository.name} failed: ${errorMessage(error)}`;
          conditions.markTrue(
            cond,
            ConditionType.IncludeUnavailable,
            GitReason.ArtifactUnavailable,
            message,
            ctx.now,
          );
          throw new ReconcileError(Reason.ArtifactFailed, message, { cause: error });
        }
      }
      return target.included;
    }
    const found: IncludedArtifact[] = [];
    for (const include of includes) {
      const name = include.repository.name;
      let other: GitRepository | undefined;
      try {
        other = await this.#options.client.get<GitRepository & KubeObject>({
          apiVersion: SourceApiVersion,
          kind: GitRepositoryKind,
          namespace: obj.metadata.namespace,
          name,
        });
      } catch (error) {
        const message = `included GitRepository ${obj.metadata.namespace}/${name} not found`;
        conditions.markTrue(cond, ConditionType.IncludeUnavailable, GitReason.NotFound, message, ctx.now);
        throw new ReconcileError(Reason.ArtifactFailed, message, { cause: error });
      }
      const artifact = other.status?.artifact;
      if (!artifact) {
        const message = `included GitRepository ${obj.metadata.namespace}/${name} has no artifact yet`;
        conditions.markTrue(
          cond,
          ConditionType.IncludeUnavailable,
          GitReason.ArtifactUnavailable,
          message,
          ctx.now,
        );
        throw new ReconcileError(Reason.ArtifactFailed, message);
      }
      found.push(artifact);
    }
    conditions.removeCondition(cond, ConditionType.IncludeUnavailable);
    return found;
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

/** Without spec.verify, or when the stored artifact was verified in the mode asked for now. */
function verifiedAsAsked(obj: GitRepository & KubeObject): boolean {
  const verify = obj.spec.verify;
  if (verify === undefined) return true;
  const verified = conditions.getCondition(asConditioned(obj), ConditionType.SourceVerified);
  return verified?.status === 'True' && obj.status?.sourceVerificationMode === verificationMode(verify.mode);
}

/** The same list of sparse directories (order included) as the stored artifact's. */
function sameSparse(status: Status, spec: GitRepositorySpec): boolean {
  return JSON.stringify(status.observedSparseCheckout ?? []) === JSON.stringify(spec.sparseCheckout ?? []);
}
