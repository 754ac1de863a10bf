import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Artifact,
  ConditionType,
  HelmChartKind,
  type HelmChartStatus,
  type HelmRepository,
  HelmRepositoryKind,
  Reason,
  SourceApiVersion,
} from '@weft/api';
import { buildArtifact, fetchArtifact } from '@weft/artifact';
import { type Client, isRecord, type KubeObject } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import {
  parseDuration,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
} from '@weft/runtime/reconcile';
import { unpackChart } from '../helm/archive.ts';
import {
  checkDependencies,
  loadChartMetadata,
  mergeValuesFiles,
  resolveInside,
  setChartVersion,
} from '../helm/chart.ts';
import { buildDependencies } from '../helm/dependencies.ts';
import { HelmError } from '../helm/errors.ts';
import { IndexCache } from '../helm/index-cache.ts';
import { HelmReason } from '../helm/reasons.ts';
import { defaultMaxIndexBytes } from '../helmrepository/reconciler.ts';
import {
  artifactRef,
  reconcileStorage,
  type SourceObject,
  type StorageSource,
  storageOf,
  storeArtifact,
} from '../source/artifact-steps.ts';
import { RepositoryDependencies } from './dependency-fetcher.ts';
import { helmChartFields } from './fields.ts';
import { type ChartPull, pullIndexed, pullOci } from './pull.ts';
import {
  BuildFailed,
  type BuildInput,
  chartStep,
  type HelmChartObject,
  SourceNotReady,
  sameList,
  verifyNotSupported,
} from './step.ts';

export type { HelmChartObject } from './step.ts';

export interface HelmChartLimits {
  /** Largest chart tarball downloaded (Flux's default: 10 MiB). */
  maxChartBytes: number;
  /** Largest total of the files of an extracted chart. */
  maxChartContentBytes: number;
  /** Most entries in a chart. */
  maxChartFiles: number;
  /** Largest repository index read directly for a dependency (Flux's default: 50 MiB). */
  maxIndexBytes: number;
}

export const defaultChartLimits: HelmChartLimits = {
  maxChartBytes: 10 * 1024 * 1024,
  maxChartContentBytes: 100 * 1024 * 1024,
  maxChartFiles: 10_000,
  maxIndexBytes: defaultMaxIndexBytes,
};

export interface HelmChartReconcilerOptions {
  /** Reads the sources and Secrets. */
  client: Pick<Client, 'get' | 'find' | 'list'>;
  storage: StorageSource;
  gc?: { keep?: number; ttlMs?: number };
  limits?: Partial<HelmChartLimits>;
}

/**
 * HelmChart: the chart named by `spec.chart`, from a HelmRepository (the newest version in the
 * `spec.version` range, downloaded and digest-checked against the index) or from the artifact of
 * a GitRepository or Bucket (a chart directory). Either way the chart is unpacked with size,
 * path and link limits, checked, given the merged `spec.valuesFiles` as its values.yaml, and
 * published as a deterministic tarball holding `<chart-name>/`. Revision: the chart version, with
 * `+<source digest>` for `reconcileStrategy: Revision` from Git or a Bucket.
 */
export class HelmChartReconciler implements Reconciler<HelmChartObject> {
  readonly apiVersion = SourceApiVersion;
  readonly kind = HelmChartKind;
  readonly conditions = [
    ConditionType.StorageOperationFailed,
    ConditionType.FetchFailed,
    BuildFailed,
    ConditionType.ArtifactInStorage,
    ConditionType.SourceVerified,
  ] as const;
  readonly fields = helmChartFields;
  /** Its one side effect, the artifact, is stored through storeArtifact, which awaits the finalizer. */
  readonly awaitsFinalizer = true;
  readonly negativePolarity = [ConditionType.StorageOperationFailed, ConditionType.FetchFailed, BuildFailed];
  readonly #options: HelmChartReconcilerOptions;
  readonly #limits: HelmChartLimits;
  readonly #indexes = new IndexCache();

  constructor(options: HelmChartReconcilerOptions) {
    this.#options = options;
    this.#limits = { ...defaultChartLimits, ...options.limits };
  }

  async reconcile(obj: HelmChartObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.status ??= {};
    const status = obj.status;
    const stored = await reconcileStorage(
      obj as SourceObject,
      storageOf(this.#options.storage),
      artifactRef(HelmChartKind, obj),
      ctx,
    );
    const work = await mkdtemp(join(tmpdir(), 'weft-helmchart-'));
    try {
      return await this.#build(obj, status, ctx, work, stored);
    } catch (error) {
      // Waiting for the source is not a failure: a quiet Ready=False, looked at again when the
      // source publishes an artifact (or after a minute).
      if (!(error instanceof SourceNotReady)) throw error;
      return {
        notReady: { reason: HelmReason.SourceNotReady, message: error.message },
        requeueAfter: 60_000,
      };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async #build(
    obj: HelmChartObject,
    status: HelmChartStatus,
    ctx: ReconcileContext,
    work: string,
    stored: boolean,
  ): Promise<ReconcileResult> {
    const built =
      obj.spec.sourceRef.kind === HelmRepositoryKind
        ? await this.#fromRepository(obj, status, ctx, work, stored)
        : await this.#fromSourceArtifact(obj, status, ctx, work, stored);
    const verb = obj.spec.sourceRef.kind === HelmRepositoryKind ? 'pulled' : 'packaged';
    return {
      ready: {
        reason: Reason.Succeeded,
        message: `${verb} '${built.chartName}' chart with version '${built.version}'`,
      },
    };
  }

  async finalize(obj: HelmChartObject): Promise<void> {
    await storageOf(this.#options.storage).removeAll(artifactRef(HelmChartKind, obj));
  }

  async #source<T extends KubeObject>(
    obj: HelmChartObject,
  ): Promise<T & { status?: { artifact?: Artifact } }> {
    const ref = obj.spec.sourceRef;
    const namespace = obj.metadata.namespace ?? '';
    const source = await this.#options.client.find<T>({
      apiVersion: ref.apiVersion ?? SourceApiVersion,
      kind: ref.kind,
      namespace,
      name: ref.name,
    });
    if (!source)
      throw new SourceNotReady(`${ref.kind} '${namespace}/${ref.name}' (spec.sourceRef) not found`);
    return source as T & { status?: { artifact?: Artifact } };
  }

  async #fromRepository(
    obj: HelmChartObject,
    status: HelmChartStatus,
    ctx: ReconcileContext,
    work: string,
    stored: boolean,
  ): Promise<BuildInput> {
    const repository = await this.#source<HelmRepository & KubeObject>(obj);
    const timeoutMs = repository.spec.timeout === undefined ? 60_000 : parseDuration(repository.spec.timeout);
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
    const pull: ChartPull = {
      obj,
      status,
      ctx,
      client: this.#options.client,
      tarball: join(work, 'chart.tgz'),
      stored,
      repository,
      timeoutMs,
      signal,
      maxChartBytes: this.#limits.maxChartBytes,
    };
    const fetched =
      repository.spec.type === 'oci' ? await pullOci(pull) : await pullIndexed(pull, this.#indexes);
    if (!fetched.fresh) return fetched.input;
    const input = fetched.input;
    await chartStep(obj, BuildFailed, HelmReason.ChartPackageFailed, ctx, async () => {
      const chart = await unpackChart(
        pull.tarball,
        join(work, 'package'),
        { name: input.chartName, version: input.version },
        this.#limits,
      );
      await checkDependencies(chart.dir, chart.metadata);
      await this.#values(obj, status, chart.dir, chart.dir);
    });
    await this.#publish(obj, status, ctx, join(work, 'package'), input, 'pulled');
    return input;
  }

  async #fromSourceArtifact(
    obj: HelmChartObject,
    status: HelmChartStatus,
    ctx: ReconcileContext,
    work: string,
    stored: boolean,
  ): Promise<BuildInput> {
    if (obj.spec.verify !== undefined) throw verifyNotSupported(`a ${obj.spec.sourceRef.kind}`);
    const source = await this.#source<KubeObject>(obj);
    const where = `${obj.spec.sourceRef.kind} '${source.metadata.namespace}/${source.metadata.name}'`;
    const artifact = isRecord(source.status) ? (source.status.artifact as Artifact | undefined) : undefined;
    if (!artifact) throw new SourceNotReady(`${where} has no artifact yet: see its Ready condition`);
    if (
      stored &&
      status.observedSourceArtifactRevision === artifact.revision &&
      status.observedChartName === obj.spec.chart &&
      sameList(status.observedValuesFiles, obj.spec.valuesFiles) &&
      status.artifact?.metadata?.reconcileStrategy === (obj.spec.reconcileStrategy ?? 'ChartVersion')
    ) {
      const revision = status.artifact?.revision ?? '';
      return {
        chartName: status.artifact?.metadata?.chartName ?? obj.spec.chart,
        version: revision,
        sourceRevision: artifact.revision,
      };
    }
    const sourceDir = join(work, 'source');
    await chartStep(obj, ConditionType.FetchFailed, Reason.ArtifactFailed, ctx, async () => {
      try {
        await fetchArtifact({ url: artifact.url, digest: artifact.digest, dir: sourceDir });
      } catch (cause) {
        throw new HelmError(
          'Unreachable',
          `cannot fetch the artifact of ${where}: ${(cause as Error).message}`,
          { cause },
        );
      }
    });
    let input: BuildInput | undefined;
    const pkg = join(work, 'package');
    await chartStep(obj, BuildFailed, HelmReason.ChartPackageFailed, ctx, async () => {
      const chartPath = await resolveInside(sourceDir, obj.spec.chart, 'spec.chart');
      const metadata = await loadChartMetadata(chartPath);
      let version = metadata.version;
      if (obj.spec.reconcileStrategy === 'Revision') {
        const hex = artifact.revision.split(':').pop() ?? '';
        version = `${metadata.version}${metadata.version.includes('+') ? '.' : '+'}${hex.slice(0, 12)}`;
      }
      const chartDir = join(pkg, metadata.name);
      await mkdir(pkg);
      await cp(chartPath, chartDir, { recursive: true, verbatimSymlinks: true });
      if (version !== metadata.version) await setChartVersion(chartDir, version);
      await buildDependencies({
        sourceDir,
        chartPath,
        chartDir,
        metadata,
        fetcher: new RepositoryDependencies({
          client: this.#options.client,
          namespace: obj.metadata.namespace ?? '',
          indexes: this.#indexes,
          limits: this.#limits,
          work,
          timeoutMs: 60_000,
          signal: ctx.signal,
        }),
      });
      await this.#values(obj, status, sourceDir, chartDir);
      input = { chartName: metadata.name, version, sourceRevision: artifact.revision };
    });
    const built = input as unknown as BuildInput;
    await this.#publish(obj, status, ctx, pkg, built, 'packaged');
    status.observedChartName = obj.spec.chart;
    return built;
  }

  async #values(
    obj: HelmChartObject,
    status: HelmChartStatus,
    root: string,
    chartDir: string,
  ): Promise<void> {
    const files = obj.spec.valuesFiles ?? [];
    if (files.length === 0) return;
    await mergeValuesFiles({
      root,
      chartDir,
      files,
      ignoreMissing: obj.spec.ignoreMissingValuesFiles === true,
    });
    status.observedValuesFiles = [...files];
  }

  async #publish(
    obj: HelmChartObject,
    status: HelmChartStatus,
    ctx: ReconcileContext,
    dir: string,
    input: BuildInput,
    verb: string,
  ): Promise<void> {
    // A link out of the chart makes the build fail: that is the chart's fault, not storage's.
    const built = await chartStep(obj, BuildFailed, HelmReason.ChartPackageFailed, ctx, () =>
      buildArtifact({ dir, out: `${dir}.tar.gz` }).catch((cause: unknown) => {
        throw new HelmError('InvalidChart', `the chart cannot be packaged: ${errorMessage(cause)}`, {
          cause,
        });
      }),
    );
    await storeArtifact(obj as SourceObject, {
      storage: storageOf(this.#options.storage),
      ref: artifactRef(HelmChartKind, obj),
      tarball: built.path,
      digest: built.digest,
      revision: input.version,
      metadata: {
        chartName: input.chartName,
        reconcileStrategy: obj.spec.reconcileStrategy ?? 'ChartVersion',
      },
      gc: this.#options.gc,
      ctx,
      event: {
        reason: verb === 'pulled' ? HelmReason.ChartPullSucceeded : HelmReason.ChartPackageSucceeded,
        note: `${verb} '${input.chartName}' chart with version '${input.version}'`,
      },
    });
    if ((obj.spec.valuesFiles ?? []).length === 0) status.observedValuesFiles = [];
    status.observedChartName = obj.spec.chart;
    status.observedSourceArtifactRevision = input.sourceRevision;
  }
}
