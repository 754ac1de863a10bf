import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConditionType,
  type GitRepository,
  GitRepositoryKind,
  type GitRepositoryStatus,
  Reason,
  SourceApiVersion,
} from '@weft/api';
import { type ArtifactRef, buildArtifact, fetchArtifact, type Storage } from '@weft/artifact';
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
import { readAuth } from './auth.ts';
import { type IncludedArtifact, safeRelative, sameInclude } from './include.ts';

type Status = GitRepositoryStatus;

export interface GitRepositoryReconcilerOptions {
  /** Reads Secrets and included GitRepositories. */
  client: Pick<Client, 'get'>;
  /** The artifact storage; a function when it exists only once the artifact server is bound. */
  storage: Storage | (() => Storage);
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
    await this.#storage().removeAll(artifactRef(obj));
  }

  /** Is the artifact in status still in storage? Also re-points its URL at the advertised address. */
  async reconcileStorage(
    obj: GitRepository & KubeObject,
    status: Status,
    ctx: ReconcileContext,
  ): Promise<void> {
    const artifact = status.artifact;
    if (!artifact) {
      conditions.markFalse(
        asConditioned(obj),
        ConditionType.ArtifactInStorage,
        GitReason.NoArtifact,
        'no artifact yet',
        ctx.now,
      );
      return;
    }
    const ref = artifactRef(obj);
    if (!(await this.#storage().has(ref, artifact.digest))) {
      delete status.artifact;
      conditions.markFalse(
        asConditioned(obj),
        ConditionType.ArtifactInStorage,
        GitReason.NoArtifact,
        'the artifact disappeared from storage: it will be rebuilt',
        ctx.now,
      );
      return;
    }
    artifact.url = this.#storage().url(ref, artifact.digest);
    conditions.markTrue(
      asConditioned(obj),
      ConditionType.ArtifactInStorage,
      Reason.Succeeded,
      storedMessage(artifact.revision),
      ctx.now,
    );
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
      if (current && status.observedIgnore === spec.ignore && sameInclude(status, spec, included)) {
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
    const storage = this.#storage();
    const ref = artifactRef(obj);
    const cond = asConditioned(obj);
    const previous = status.artifact;
    try {
      const built = await buildArtifact({
        dir,
        filter: (path, isDir) => !result.ignoreRules.excludes(path, isDir),
        escapingSymlinks: 'skip',
        ...(result.entries === undefined ? {} : { entries: result.entries }),
      });
      let stored: { path: string; url: string; digest: string; size: number; lastUpdateTime: string };
      if (previous && previous.digest === built.digest && (await storage.has(ref, built.digest))) {
        await rm(built.path, { force: true });
        stored = {
          ...previous,
          path: storage.relativePath(ref, built.digest),
          url: storage.url(ref, built.digest),
          size: built.size,
        };
        if (previous.revision !== result.revision) stored.lastUpdateTime = ctx.now().toISOString();
      } else {
        stored = await storage.store(ref, built.path);
      }
      status.artifact = { ...stored, revision: result.revision };
      await storage.garbageCollect(ref, { current: stored.digest, ...this.#options.gc });
    } catch (error) {
      const message = `storing the artifact failed: ${errorMessage(error)}`;
      conditions.markTrue(
        cond,
        ConditionType.StorageOperationFailed,
        Reason.StorageOperationFailed,
        message,
        ctx.now,
      );
      throw new ReconcileError(Reason.StorageOperationFailed, message, { cause: error });
    }
    conditions.removeCondition(cond, ConditionType.StorageOperationFailed);
    if (obj.spec.ignore === undefined) delete status.observedIgnore;
    else status.observedIgnore = obj.spec.ignore;
    if (obj.spec.include === undefined) {
      delete status.observedInclude;
      delete status.includedArtifacts;
    } else {
      status.observedInclude = obj.spec.include;
      status.includedArtifacts = included;
    }
    conditions.markTrue(
      cond,
      ConditionType.ArtifactInStorage,
      Reason.Succeeded,
      storedMessage(result.revision),
      ctx.now,
    );
    if (previous?.revision !== result.revision || previous?.digest !== status.artifact.digest) {
      await ctx.events.record(obj, {
        type: 'Normal',
        reason: GitReason.NewArtifact,
        note: `stored artifact for commit '${result.revision}' (${status.artifact.digest})`,
        revision: result.revision,
      });
    }
  }
}

function storedMessage(revision: string): string {
  return `stored artifact for revision '${revision}'`;
}

function asConditioned(obj: GitRepository & KubeObject): conditions.Conditioned {
  return obj as unknown as conditions.Conditioned;
}

function artifactRef(obj: GitRepository & KubeObject): ArtifactRef {
  return { kind: GitRepositoryKind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' };
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
