import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConditionType,
  HelmApiVersion,
  HelmReleaseKind,
  type HelmReleaseStatus,
  mergeValues,
} from '@weft/api';
import type { ArtifactCache } from '@weft/artifact';
import type { Client, KubeObject, ObjectRef } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { errorMessage } from '@weft/runtime/errors';
import {
  type ReconcileContext,
  ReconcileError,
  type ReconcileResult,
  type Reconciler,
} from '@weft/runtime/reconcile';
import { ChartArtifactError, chartRefOf, readChart } from './chart-source.ts';
import { applyChartTemplate, chartTemplateRef, deleteChartTemplate } from './chart-template.ts';
import { DecryptionError, valuesDecryption } from './decryption.ts';
import { checkCrossNamespace, dependenciesReady } from './dependencies.ts';
import { type Desired, postRenderSpecOf, recordAttempt } from './desired.ts';
import { reportDrift } from './drift.ts';
import { driftIgnoredPaths } from './drift-ignore.ts';
import { ReleaseActionError, type ReleaseEngine } from './engine/release.ts';
import { helmReleaseFields } from './fields.ts';
import type { ReleaseTarget } from './helm/actions.ts';
import { type HelmCli, HelmCommandError } from './helm/cli.ts';
import { releaseNameOf } from './helm/release-name.ts';
import {
  configDigest,
  type HelmReleaseRecord,
  markFailed,
  pendingStatuses,
  releaseHistory,
} from './helm/storage.ts';
import { HelmReleaseReason as R } from './reasons.ts';
import type { ReleaseActions } from './release-action.ts';
import { ReleaseOps } from './release-ops.ts';
import {
  type Action,
  exhausted,
  remediateFailure,
  retriesExceeded,
  runTest,
  type Target,
  TestFailure,
} from './remediation.ts';
import { revisionName, snapshots } from './snapshots.ts';
import { targetCluster } from './target-cluster.ts';
import type { HelmReleaseObject } from './types.ts';
import { composeValues, ValuesError } from './values.ts';
import { chartValuesFiles } from './values-files.ts';

export const FieldManager = 'helm-controller';

export interface HelmReleaseReconcilerOptions {
  client: Client;
  helm: HelmCli;
  /** Install and upgrade (own engine or helm binary). */
  actions: ReleaseActions;
  /** The own engine, for the rollbacks and uninstalls of releases stored in another namespace. */
  engine: ReleaseEngine;
  artifacts: ArtifactCache;
  /** Where the post-renderers file lives for the moment of an action (values go through stdin). */
  workDir: string;
  /** Other HelmReleases, from the cache, for dependsOn. */
  getHelmRelease?: (namespace: string, name: string) => Promise<HelmReleaseObject | undefined>;
  noCrossNamespaceRefs?: boolean | undefined;
  defaultServiceAccount?: string | undefined;
  requeueDependencyMs?: number | undefined;
  /**
   * The controller's cached HelmChart or OCIRepository of `ref` (its informers), if it has one:
   * the chart step reads it there instead of asking the API server each reconcile.
   */
  cachedSource?: ((ref: ObjectRef) => KubeObject | undefined) | undefined;
  /** How soon a release waiting for its chart is looked at again (chart events come sooner). */
  requeueChartMs?: number;
}

/**
 * HelmRelease, in Flux's order: spec checks (fields not implemented stall), dependsOn, the chart
 * (template → HelmChart, or chartRef) and its artifact, values, then the release: what Helm's
 * storage holds decides between nothing, install and upgrade; a release left pending by a killed
 * controller is marked failed first; a failed action is remediated (uninstall after a failed
 * install, rollback or uninstall after a failed upgrade) while retries remain, and stalls with
 * RetriesExceeded after (remediation.ts). Installs and upgrades go through ReleaseActions (the
 * controller's engine or the helm binary); test, rollback and uninstall are helm processes.
 */
export class HelmReleaseReconciler implements Reconciler<HelmReleaseObject> {
  readonly apiVersion = HelmApiVersion;
  readonly kind = HelmReleaseKind;
  readonly conditions = [ConditionType.Released, ConditionType.Remediated] as const;
  readonly negativePolarity = [ConditionType.Remediated];
  readonly fields = helmReleaseFields;
  readonly #options: HelmReleaseReconcilerOptions;
  readonly #ops: ReleaseOps;

  constructor(options: HelmReleaseReconcilerOptions) {
    this.#options = options;
    this.#ops = new ReleaseOps(options.helm, options.engine);
  }

  async reconcile(obj: HelmReleaseObject, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.status ??= {};
    const status = obj.status;
    const namespace = obj.metadata.namespace ?? '';
    const releaseTarget = this.#target(obj);
    driftIgnoredPaths(obj); // a bad rule stalls now, not only once the release is up to date
    checkCrossNamespace(obj, this.#options.noCrossNamespaceRefs);
    const waiting = await dependenciesReady(obj, this.#options);
    if (waiting) return waiting;

    const cached = this.#options.cachedSource;
    const template = obj.spec.chart ? await applyChartTemplate(this.#options.client, obj, cached) : undefined;
    const chartRef = template?.ref ?? chartRefOf(obj);
    const chartKey = `${chartRef.namespace}/${chartRef.name}`;
    if (obj.spec.chart) {
      if (status.helmChart && status.helmChart !== chartKey) await this.#deleteTemplate(status.helmChart);
      status.helmChart = chartKey;
    } else if (status.helmChart) {
      await this.#deleteTemplate(status.helmChart);
      delete status.helmChart;
    }
    // The template's HelmChart as applying it left it (or as cached, unchanged); a chartRef's
    // source from the cache, else from the API server.
    const source = {
      find: async <T extends KubeObject>(ref: ObjectRef) =>
        ((template?.chart ?? cached?.(ref)) as T | undefined) ?? this.#options.client.find<T>(ref),
    };
    const chart = await readChart(source, this.#options.artifacts, chartRef).catch((error: unknown) => {
      if (error instanceof ChartArtifactError) throw new ReconcileError(R.ArtifactFailed, error.message);
      throw error;
    });
    if (!chart.ready)
      return {
        notReady: { reason: R.ArtifactFailed, message: chart.message },
        requeueAfter: this.#options.requeueChartMs ?? 30_000,
      };
    try {
      let values: Record<string, unknown>;
      try {
        const decrypt = valuesDecryption(this.#options.client, obj);
        const base = await chartValuesFiles(obj, chart.chartDir, decrypt);
        values = await composeValues(this.#options.client, namespace, obj.spec, {
          decrypt,
          ...(base ? { base } : {}),
        });
      } catch (error) {
        if (error instanceof ValuesError) throw new ReconcileError(R.InitFailed, error.message);
        if (error instanceof DecryptionError) throw new ReconcileError(R.InitFailed, error.message);
        throw error;
      }
      const desired: Desired = {
        chartName: chart.chartName,
        chartVersion: chart.chartVersion,
        artifactDigest: chart.artifact.digest,
        configDigest: configDigest(values),
        postRenderersDigest:
          (obj.spec.postRenderers ?? []).length > 0
            ? configDigest({ postRenderers: obj.spec.postRenderers })
            : '',
        values,
        chartDir: chart.chartDir,
      };
      const cluster = await targetCluster(this.#options.client, obj, this.#options.workDir, FieldManager);
      try {
        return await this.#release(obj, status, ctx, { ...releaseTarget, cluster }, desired);
      } finally {
        await cluster.dispose();
      }
    } finally {
      chart.cached.release();
    }
  }

  async finalize(obj: HelmReleaseObject, ctx: ReconcileContext): Promise<void> {
    const cluster = await targetCluster(this.#options.client, obj, this.#options.workDir, FieldManager).catch(
      (error: unknown) => {
        // Never released (e.g. its kubeconfig Secret never existed): nothing to uninstall.
        if ((obj.status?.history ?? []).length === 0) return undefined;
        throw error;
      },
    );
    if (cluster) {
      try {
        await this.#uninstallOnDelete(obj, ctx, { ...this.#target(obj), cluster });
      } finally {
        await cluster.dispose();
      }
    }
    if (obj.spec.chart) await deleteChartTemplate(this.#options.client, chartTemplateRef(obj));
    else if (obj.status?.helmChart) await this.#deleteTemplate(obj.status.helmChart);
  }

  async #uninstallOnDelete(obj: HelmReleaseObject, ctx: ReconcileContext, target: Target): Promise<void> {
    const history = await releaseHistory(target.cluster.client, target.storageNamespace, target.releaseName);
    if (history.length > 0 && history[0]?.status !== 'uninstalled') {
      await this.#ops.uninstall(obj.spec, target, ctx);
      await ctx.events.record(obj, {
        type: 'Normal',
        reason: R.UninstallSucceeded,
        note: `Helm uninstall succeeded for release ${revisionName(history[0] as HelmReleaseRecord)}`,
        action: 'Uninstall',
      });
    }
  }

  #target(obj: HelmReleaseObject): ReleaseTarget {
    const namespace = obj.spec.targetNamespace ?? obj.metadata.namespace ?? '';
    const account = obj.spec.serviceAccountName ?? this.#options.defaultServiceAccount;
    return {
      releaseName: releaseNameOf(obj),
      namespace,
      storageNamespace: obj.spec.storageNamespace ?? namespace,
      impersonate: account ? `system:serviceaccount:${obj.metadata.namespace}:${account}` : undefined,
    };
  }

  async #deleteTemplate(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    await deleteChartTemplate(this.#options.client, {
      apiVersion: 'source.weft.dev/v1',
      kind: 'HelmChart',
      namespace,
      name,
    });
  }

  async #release(
    obj: HelmReleaseObject,
    status: HelmReleaseStatus,
    ctx: ReconcileContext,
    target: Target,
    desired: Desired,
  ): Promise<ReconcileResult> {
    const client = target.cluster.client;
    const cond = obj as unknown as conditions.Conditioned;
    // A moved release (new name or namespace): the old one goes first, as Flux.
    const previous = status.history?.[0];
    const previousStorage = status.storageNamespace ?? previous?.namespace;
    if (
      previous &&
      (previous.name !== target.releaseName ||
        previous.namespace !== target.namespace ||
        previousStorage !== target.storageNamespace)
    ) {
      const old = { ...target, releaseName: previous.name, namespace: previous.namespace };
      old.storageNamespace = previousStorage ?? previous.namespace;
      const oldHistory = await releaseHistory(client, old.storageNamespace, old.releaseName);
      if (oldHistory.length > 0 && oldHistory[0]?.status !== 'uninstalled')
        await this.#ops.uninstall(obj.spec, old, ctx);
      status.history = [];
    }
    let history: HelmReleaseRecord[];
    try {
      history = await releaseHistory(client, target.storageNamespace, target.releaseName);
    } catch (error) {
      throw new ReconcileError(
        R.GetLastReleaseFailed,
        `cannot read the release storage: ${errorMessage(error)}`,
      );
    }
    let latest = history[0];
    if (latest && pendingStatuses.has(latest.status)) {
      // This controller runs one reconcile per object at a time: a pending release here was
      // left by a process that is gone.
      const failed = await markFailed(
        client,
        latest,
        `${latest.status} interrupted: marked failed by helm-controller`,
      );
      await ctx.events.record(obj, {
        type: 'Warning',
        reason: R.PendingReleaseRecovered,
        note: `release ${revisionName(latest)} was left ${latest.status} (the controller was stopped mid-action): marked failed to recover`,
        revision: latest.chartVersion,
      });
      history = [failed, ...history.slice(1)];
      latest = failed;
    }

    if (obj.spec.upgrade?.preserveValues && latest && latest.status !== 'uninstalled') {
      // Helm's --reuse-values: the last release's values, with the composed ones merged over them.
      desired.values = mergeValues(latest.config, desired.values);
      desired.configDigest = configDigest(desired.values);
    }
    const attemptChanged =
      status.lastAttemptedRevision !== desired.chartVersion ||
      status.lastAttemptedConfigDigest !== desired.configDigest ||
      status.lastAttemptedRevisionDigest !== desired.artifactDigest ||
      status.lastAttemptedGeneration !== obj.metadata.generation;
    if (attemptChanged) {
      status.installFailures = 0;
      status.upgradeFailures = 0;
      status.failures = 0;
    }
    const installed = latest !== undefined && latest.status !== 'uninstalled';
    const upToDate =
      installed &&
      latest?.status === 'deployed' &&
      latest.chartName === desired.chartName &&
      latest.chartVersion === desired.chartVersion &&
      configDigest(latest.config) === desired.configDigest &&
      (status.observedPostRenderersDigest ?? '') === desired.postRenderersDigest &&
      (status.lastAttemptedRevisionDigest === undefined ||
        status.lastAttemptedRevisionDigest === desired.artifactDigest ||
        status.history?.[0]?.version !== latest.version);
    status.storageNamespace = target.storageNamespace;
    const action: Action = installed ? 'upgrade' : 'install';
    // No retries left for this very attempt (even if Helm says deployed: a failed test leaves it so).
    if (!attemptChanged && exhausted(obj, status, status.lastAttemptedReleaseAction ?? action)) {
      const last = status.lastAttemptedReleaseAction ?? action;
      const failures = last === 'install' ? status.installFailures : status.upgradeFailures;
      status.history = snapshots(history);
      retriesExceeded(`failed to ${last} after ${failures ?? 0} attempt(s)`);
    }
    if (upToDate && latest) {
      status.history = snapshots(history);
      await reportDrift(obj, ctx, target, latest);
      const released = conditions.getCondition(cond, ConditionType.Released);
      if (released?.status !== 'True' || attemptChanged)
        conditions.markTrue(
          cond,
          ConditionType.Released,
          R.UpgradeSucceeded,
          `Helm release ${revisionName(latest)} is deployed with chart ${latest.chartName}@${latest.chartVersion}`,
          ctx.now,
        );
      recordAttempt(obj, status, desired, status.lastAttemptedReleaseAction ?? 'install');
      return {
        ready: {
          reason: conditions.getReason(cond, ConditionType.Released) ?? R.UpgradeSucceeded,
          message: conditions.getMessage(cond, ConditionType.Released) ?? '',
        },
      };
    }

    recordAttempt(obj, status, desired, action);
    const actionId = randomUUID();
    let postRenderersFile: string | undefined;
    if (desired.postRenderersDigest !== '') {
      postRenderersFile = join(this.#options.workDir, `${actionId}.postrenderers.json`);
      await writeFile(postRenderersFile, JSON.stringify(postRenderSpecOf(obj)), { mode: 0o600 });
    }
    const chartLabel = `${desired.chartName}@${desired.chartVersion}`;
    let done: Awaited<ReturnType<ReleaseActions['run']>>;
    try {
      done = await this.#options.actions.run({
        spec: obj.spec,
        action,
        target,
        history,
        chartDir: desired.chartDir,
        chartDigest: desired.artifactDigest,
        values: desired.values,
        configDigest: desired.configDigest,
        postRenderersFile,
        postRenderersDigest: desired.postRenderersDigest,
        description: `${action === 'install' ? 'Install' : 'Upgrade'} of ${chartLabel} by helm-controller`,
        signal: ctx.signal,
        log: ctx.log,
        waiting: ctx.waiting,
        client,
        kubeconfigPath: target.cluster.kubeconfigPath,
      });
      ctx.log.info({ action, engine: done.engine }, `helm ${action} done`);
      await runTest(obj, target, ctx, this.#ops);
    } catch (error) {
      if (
        !(error instanceof HelmCommandError) &&
        !(error instanceof ReleaseActionError) &&
        !(error instanceof TestFailure)
      )
        throw error;
      return remediateFailure(this.#ops, obj, status, ctx, target, action, chartLabel, error);
    } finally {
      if (postRenderersFile) await rm(postRenderersFile, { force: true });
    }
    status.observedPostRenderersDigest = desired.postRenderersDigest;
    // What the own engine stored, unless a helm process wrote since (the binary, `helm test`).
    const after =
      done.engine === 'engine' && !obj.spec.test?.enable
        ? done.history
        : await releaseHistory(client, target.storageNamespace, target.releaseName);
    status.history = snapshots(after);
    const current = after[0];
    const reason = action === 'install' ? R.InstallSucceeded : R.UpgradeSucceeded;
    const note = `Helm ${action} succeeded for release ${current ? revisionName(current) : target.releaseName} with chart ${chartLabel}`;
    status.installFailures = 0;
    status.upgradeFailures = 0;
    status.failures = 0;
    conditions.markTrue(cond, ConditionType.Released, reason, note, ctx.now);
    conditions.removeCondition(cond, ConditionType.Remediated);
    await ctx.events.record(obj, {
      type: 'Normal',
      reason,
      note,
      revision: desired.chartVersion,
      action: action === 'install' ? 'Install' : 'Upgrade',
    });
    return { ready: { reason, message: note } };
  }
}
