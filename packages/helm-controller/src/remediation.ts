/**
 * What follows a failed install or upgrade, as Flux: failure counters, the Released condition and
 * an event, then remediation while retries remain (uninstall after a failed install, rollback or
 * uninstall after a failed upgrade, by the helm binary), and Stalled with RetriesExceeded after;
 * and the test step (`helm test`), whose failure counts as the action's unless ignored.
 */
import { ConditionType, type HelmReleaseStatus } from '@weft/api';
import * as conditions from '@weft/runtime/conditions';
import {
  type ReconcileContext,
  ReconcileError,
  type ReconcileResult,
  StalledError,
} from '@weft/runtime/reconcile';
import { ReleaseActionError } from './engine/release.ts';
import { HelmCommandError } from './helm/cli.ts';
import { releaseHistory } from './helm/storage.ts';
import { HelmReleaseReason as R } from './reasons.ts';
import type { ReleaseOps, Target } from './release-ops.ts';
import { revisionName, snapshots } from './snapshots.ts';
import type { HelmReleaseObject } from './types.ts';

export type Action = 'install' | 'upgrade';
export type { Target } from './release-ops.ts';

export function retriesOf(
  obj: HelmReleaseObject,
  action: string,
): { retries: number; remediateLastFailure: boolean } {
  const remediation = action === 'install' ? obj.spec.install?.remediation : obj.spec.upgrade?.remediation;
  const retries = remediation?.retries ?? 0;
  const remediateLastFailure =
    remediation?.remediateLastFailure ?? (action === 'install' ? false : retries > 0);
  return { retries, remediateLastFailure };
}

export function exhausted(obj: HelmReleaseObject, status: HelmReleaseStatus, action: string): boolean {
  const failures = (action === 'install' ? status.installFailures : status.upgradeFailures) ?? 0;
  const { retries } = retriesOf(obj, action);
  return failures > 0 && retries >= 0 && failures > retries;
}

export async function runTest(
  obj: HelmReleaseObject,
  target: Target,
  ctx: ReconcileContext,
  ops: ReleaseOps,
): Promise<void> {
  if (!obj.spec.test?.enable) return;
  const cond = obj as unknown as conditions.Conditioned;
  try {
    const ran = await ops.test(obj.spec, target, ctx);
    conditions.markTrue(
      cond,
      ConditionType.TestSuccess,
      R.TestSucceeded,
      ran
        ? `Helm test succeeded for release ${target.namespace}/${target.releaseName}`
        : `release ${target.namespace}/${target.releaseName} has no test hooks`,
      ctx.now,
    );
  } catch (error) {
    if (!(error instanceof HelmCommandError)) throw error;
    const note = `Helm test failed for release ${target.namespace}/${target.releaseName}: ${error.message}`;
    conditions.markFalse(cond, ConditionType.TestSuccess, R.TestFailed, note, ctx.now);
    await ctx.events.record(obj, { type: 'Warning', reason: R.TestFailed, note, action: 'Test' });
    if (!obj.spec.test.ignoreFailures) throw new TestFailure(note);
  }
}

export async function remediateFailure(
  ops: ReleaseOps,
  obj: HelmReleaseObject,
  status: HelmReleaseStatus,
  ctx: ReconcileContext,
  target: Target,
  action: Action,
  chartLabel: string,
  error: HelmCommandError | ReleaseActionError | TestFailure,
): Promise<ReconcileResult> {
  const cond = obj as unknown as conditions.Conditioned;
  const client = target.cluster.client;
  const reason = action === 'install' ? R.InstallFailed : R.UpgradeFailed;
  const note =
    error instanceof TestFailure
      ? error.message
      : `Helm ${action} failed for release ${target.namespace}/${target.releaseName} with chart ${chartLabel}: ${error.message}`;
  status.failures = (status.failures ?? 0) + 1;
  if (action === 'install') status.installFailures = (status.installFailures ?? 0) + 1;
  else status.upgradeFailures = (status.upgradeFailures ?? 0) + 1;
  conditions.markFalse(cond, ConditionType.Released, reason, note, ctx.now);
  await ctx.events.record(obj, {
    type: 'Warning',
    reason,
    note,
    revision: status.lastAttemptedRevision ?? '',
    action: action === 'install' ? 'Install' : 'Upgrade',
  });

  const noRetriesLeft = exhausted(obj, status, action);
  const { remediateLastFailure } = retriesOf(obj, action);
  const remediation = action === 'install' ? obj.spec.install?.remediation : obj.spec.upgrade?.remediation;
  const skipForTest = error instanceof TestFailure && remediation?.ignoreTestFailures === true;
  if (!skipForTest && (!noRetriesLeft || remediateLastFailure)) {
    const history = await releaseHistory(client, target.storageNamespace, target.releaseName);
    const failed = history[0];
    const strategy =
      action === 'install' ? 'uninstall' : (obj.spec.upgrade?.remediation?.strategy ?? 'rollback');
    const rollbackTo = history.find(
      (record) =>
        record.version < (failed?.version ?? 0) &&
        (record.status === 'superseded' || record.status === 'deployed'),
    );
    // One remediation or none: a rollback to the last good revision, else an uninstall of the
    // failed release (when it is still there).
    const step =
      strategy === 'rollback' && rollbackTo
        ? {
            run: () => ops.rollback(obj.spec, target, ctx, rollbackTo),
            reason: R.RollbackSucceeded,
            failedReason: R.RollbackFailed,
            action: 'Rollback',
            text: `Helm rollback to previous release ${revisionName(rollbackTo)} with chart ${rollbackTo.chartName}@${rollbackTo.chartVersion} succeeded`,
          }
        : failed && failed.status !== 'uninstalled'
          ? {
              run: () => ops.uninstall(obj.spec, target, ctx),
              reason: R.UninstallSucceeded,
              failedReason: R.UninstallFailed,
              action: 'Uninstall',
              text: `Helm uninstall of failed release ${revisionName(failed)} succeeded`,
            }
          : undefined;
    if (step) {
      try {
        await step.run();
        conditions.markTrue(cond, ConditionType.Remediated, step.reason, step.text, ctx.now);
        await ctx.events.record(obj, {
          type: 'Normal',
          reason: step.reason,
          note: step.text,
          action: step.action,
        });
      } catch (remediationError) {
        if (
          !(remediationError instanceof HelmCommandError) &&
          !(remediationError instanceof ReleaseActionError)
        )
          throw remediationError;
        const text = `remediation of the failed ${action} failed: ${remediationError.message}`;
        conditions.markFalse(cond, ConditionType.Remediated, step.failedReason, text, ctx.now);
        await ctx.events.record(obj, { type: 'Warning', reason: step.failedReason, note: text });
      }
    }
  }
  status.history = snapshots(await releaseHistory(client, target.storageNamespace, target.releaseName));
  if (noRetriesLeft) retriesExceeded(note);
  throw new ReconcileError(reason, note);
}

/**
 * No retries left: Stalled (as Flux's RetriesExceeded) until the spec, the chart or the values
 * change; a changed valuesFrom object is seen when something else reconciles the release (as Flux).
 */
export function retriesExceeded(why: string): never {
  throw new StalledError(
    R.RetriesExceeded,
    `${why}; no retries left: change the spec, the chart or the values to try again`,
  );
}

export class TestFailure extends Error {
  override name = 'TestFailure';
}
