/**
 * The health step of a reconcile: `wait` (everything applied) or `healthChecks` (the objects
 * named), kstatus rules or `healthCheckExprs`, within spec.timeout; the Healthy condition.
 */
import { ConditionType, Reason } from '@weft/api';
import type { ObjectRef } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { errorMessage } from '@weft/runtime/errors';
// Types only: the CEL engine behind healthCheckExprs is loaded on first use (customHealth).
import type { CustomHealth } from '@weft/runtime/health';
import { type ReconcileContext, ReconcileError, StalledError } from '@weft/runtime/reconcile';
import { type ApplyResult, HealthCheckError, type ResourceManager } from '@weft/runtime/ssa';
import type { KustomizationObject } from './types.ts';

/** Millisecond durations as Flux prints them (`1.5s`). */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

/** Checks the health of what was applied; throws a HealthCheckFailed ReconcileError. */
export async function checkHealth(
  obj: KustomizationObject,
  ctx: ReconcileContext,
  manager: ResourceManager,
  applied: ApplyResult,
  why: { changed: boolean; newRevision: boolean; timeoutMs: number; pollMs: number },
): Promise<void> {
  let refs: ObjectRef[];
  if (obj.spec.wait) {
    refs = applied.changeSet.filter((e) => e.action !== 'skipped').map((e) => e.ref);
  } else {
    refs = (obj.spec.healthChecks ?? []).map((check) => {
      if (!check.apiVersion) {
        throw new ReconcileError(
          Reason.HealthCheckFailed,
          `healthChecks: ${check.kind}/${check.name} needs an apiVersion`,
        );
      }
      return {
        apiVersion: check.apiVersion,
        kind: check.kind,
        name: check.name,
        namespace: check.namespace ?? obj.metadata.namespace,
      };
    });
  }
  if (refs.length === 0) {
    conditions.removeCondition(obj, ConditionType.Healthy);
    return;
  }
  // Flux checks again only when something changed or the last check did not pass.
  if (!why.changed && !why.newRevision && conditions.isTrue(obj, ConditionType.Healthy)) return;
  const started = Date.now();
  const custom = await customHealth(obj);
  try {
    await manager.wait(refs, {
      timeoutMs: why.timeoutMs,
      intervalMs: why.pollMs,
      signal: ctx.signal,
      // The apply's answers: what is Current in them is not read again.
      objects: applied.changeSet.flatMap((e) => (e.object ? [e.object] : [])),
      // Judged on each change the objects' controllers write, not at the next poll.
      watch: true,
      ...(custom === undefined ? {} : { custom }),
    });
  } catch (error) {
    const text =
      error instanceof HealthCheckError ? error.message : `health check failed: ${errorMessage(error)}`;
    conditions.markFalse(obj, ConditionType.Healthy, Reason.HealthCheckFailed, text, ctx.now);
    throw new ReconcileError(Reason.HealthCheckFailed, text, { cause: error });
  }
  conditions.markTrue(
    obj,
    ConditionType.Healthy,
    Reason.Succeeded,
    `Health check passed in ${seconds(Date.now() - started)}`,
    ctx.now,
  );
}

/**
 * spec.healthCheckExprs compiled; a bad expression stalls the object until the spec is fixed. The
 * CEL engine (~5 MiB RSS) is imported here, by the first Kustomization that has expressions.
 */
async function customHealth(obj: KustomizationObject): Promise<CustomHealth | undefined> {
  const expressions = obj.spec.healthCheckExprs ?? [];
  if (expressions.length === 0) return undefined;
  const { compileHealthExpressions, HealthExpressionError } = await import('@weft/runtime/health');
  try {
    return compileHealthExpressions(expressions);
  } catch (error) {
    if (error instanceof HealthExpressionError) throw new StalledError(Reason.InvalidSpec, error.message);
    throw error;
  }
}
