/**
 * What HelmChart's steps share: a step runner that sets the step's condition with Flux's reason,
 * the inputs an artifact is built from, and whether the stored chart is still what the spec asks.
 */
import { type HelmChart, type HelmChartStatus, UnsupportedFieldReason } from '@weft/api';
import type { KubeObject } from '@weft/runtime/client';
import { type ReconcileContext, StalledError } from '@weft/runtime/reconcile';
import { helmFailure } from '../helm/reasons.ts';
import type { SourceObject } from '../source/artifact-steps.ts';
import { runStep } from '../source/fetch-step.ts';

export type HelmChartObject = HelmChart & KubeObject;

export const BuildFailed = 'BuildFailed';

/** What the chart was built from: a new artifact only when one of these changes. */
export interface BuildInput {
  chartName: string;
  version: string;
  sourceRevision: string;
}

/** Runs one step: a HelmError sets `conditionType` and becomes a ReconcileError (or Stalled). */
export function chartStep<T>(
  obj: HelmChartObject,
  conditionType: string,
  reason: string,
  ctx: ReconcileContext,
  body: () => Promise<T>,
): Promise<T> {
  return runStep(obj as SourceObject, ctx, { reasonOf: helmFailure(reason), condition: conditionType }, body);
}

/** The stored artifact is this version of the chart the spec names, with the same values files. */
export function chartUpToDate(obj: HelmChartObject, status: HelmChartStatus, version: string): boolean {
  return (
    status.artifact?.revision === version &&
    status.observedChartName === obj.spec.chart &&
    sameList(status.observedValuesFiles, obj.spec.valuesFiles)
  );
}

export function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/** The source has no artifact (or does not exist) yet: a quiet Ready=False, not a failure. */
export class SourceNotReady extends Error {
  override name = 'SourceNotReady';
}

/** Signatures exist for OCI charts only (cosign over the chart's manifest digest). */
export function verifyNotSupported(source: string): StalledError {
  return new StalledError(
    UnsupportedFieldReason,
    `spec.verify is supported for charts from OCI HelmRepositories only (cosign signatures of the chart's manifest), not for charts from ${source}: remove it`,
  );
}
