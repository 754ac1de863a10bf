/**
 * Rollback, uninstall and test of a release: the helm binary's (`helm rollback|uninstall|test`)
 * when the release's storage is in its own namespace, the controller's engine's when
 * spec.storageNamespace puts it elsewhere — the helm binary keeps a release's storage in the
 * namespace it installs into, so it would not find such a release. Only the own engine makes such
 * releases (release-action.ts refuses a chart that needs the helm binary), and it makes them only
 * for charts without hooks, so there are no hooks (nor test hooks) to run.
 */
import type { HelmReleaseSpec } from '@weft/api';
import type { ReconcileContext } from '@weft/runtime/reconcile';
import type { HelmChartJson } from './engine/chart-json.ts';
import { helmFieldManager, type ReleaseEngine } from './engine/release.ts';
import { uninstallRelease } from './engine/uninstall.ts';
import {
  actionTimeoutMs,
  type ReleaseTarget,
  rollbackArgs,
  testArgs,
  uninstallArgs,
} from './helm/actions.ts';
import type { HelmCli } from './helm/cli.ts';
import { type HelmReleaseRecord, releaseHistory } from './helm/storage.ts';
import type { TargetCluster } from './target-cluster.ts';

/** The release, and the cluster it lives in (spec.kubeConfig). */
export type Target = ReleaseTarget & { cluster: TargetCluster };

/** Whether the release's storage is in another namespace than its objects. */
export function separateStorage(target: ReleaseTarget): boolean {
  return target.storageNamespace !== target.namespace;
}

export class ReleaseOps {
  readonly #helm: HelmCli;
  readonly #engine: ReleaseEngine;

  constructor(helm: HelmCli, engine: ReleaseEngine) {
    this.#helm = helm;
    this.#engine = engine;
  }

  async #run(args: string[], timeoutMs: number, ctx: ReconcileContext, target: Target): Promise<void> {
    await this.#helm.run(args, { timeoutMs, signal: ctx.signal, kubeconfig: target.cluster.kubeconfigPath });
  }

  #client(target: Target) {
    const client = target.cluster.client;
    return (target.impersonate ? client.impersonate(target.impersonate) : client).withFieldManager(
      helmFieldManager,
    );
  }

  /** A new revision from `to`; throws HelmCommandError or ReleaseActionError. */
  async rollback(
    spec: HelmReleaseSpec,
    target: Target,
    ctx: ReconcileContext,
    to: HelmReleaseRecord,
  ): Promise<void> {
    const timeoutMs = actionTimeoutMs(spec, spec.rollback?.timeout);
    if (!separateStorage(target))
      return this.#run(rollbackArgs(spec, target, to.version), timeoutMs, ctx, target);
    const client = this.#client(target);
    await this.#engine.run(
      {
        action: 'rollback',
        releaseName: target.releaseName,
        namespace: target.namespace,
        storageNamespace: target.storageNamespace,
        history: await releaseHistory(client, target.storageNamespace, target.releaseName),
        chart: to.raw.chart as HelmChartJson,
        values: to.config,
        manifest: to.manifest,
        notes: (to.raw.info as { notes?: string } | undefined)?.notes,
        description: `Rollback to ${to.version}`,
        timeoutMs,
        disableWait: spec.rollback?.disableWait === true,
        disableWaitForJobs: spec.rollback?.disableWaitForJobs === true,
        maxHistory: spec.maxHistory ?? 5,
        signal: ctx.signal,
      },
      client,
    );
  }

  /** Uninstalls the release; throws HelmCommandError or ReleaseActionError. */
  async uninstall(spec: HelmReleaseSpec, target: Target, ctx: ReconcileContext): Promise<void> {
    const timeoutMs = actionTimeoutMs(spec, spec.uninstall?.timeout);
    if (!separateStorage(target)) return this.#run(uninstallArgs(spec, target), timeoutMs, ctx, target);
    const client = this.#client(target);
    const propagation = spec.uninstall?.deletionPropagation ?? 'background';
    await uninstallRelease(client, {
      history: await releaseHistory(client, target.storageNamespace, target.releaseName),
      keepHistory: spec.uninstall?.keepHistory === true,
      disableWait: spec.uninstall?.disableWait === true,
      propagationPolicy:
        propagation === 'foreground' ? 'Foreground' : propagation === 'orphan' ? 'Orphan' : 'Background',
      timeoutMs,
      signal: ctx.signal,
    });
  }

  /**
   * `helm test`; throws HelmCommandError when a test fails. A release with separate storage has
   * no hooks (see above), so no tests: resolves to false (nothing ran).
   */
  async test(spec: HelmReleaseSpec, target: Target, ctx: ReconcileContext): Promise<boolean> {
    if (separateStorage(target)) return false;
    await this.#run(testArgs(spec, target), actionTimeoutMs(spec, spec.test?.timeout), ctx, target);
    return true;
  }
}
