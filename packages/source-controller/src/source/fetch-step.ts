/**
 * The opening every remote source shares (OCIRepository, Bucket, HelmChart's pulls): the reconcile
 * has one deadline, `spec.timeout` (default 60 s), and each exchange with the remote runs as a
 * step whose failure sets `FetchFailed` with the kind's reason and becomes Ready=False (or
 * Stalled), saying so when the deadline cut it short.
 */
import { ConditionType } from '@weft/api';
import * as conditions from '@weft/runtime/conditions';
import { errorMessage } from '@weft/runtime/errors';
import { parseDuration, type ReconcileContext, ReconcileError, StalledError } from '@weft/runtime/reconcile';
import type { SourceObject } from './artifact-steps.ts';
import { asConditioned } from './artifact-steps.ts';
import { withTimeout } from './timeout.ts';

/**
 * How a kind names a failure: Flux's reason, and whether only a spec change can fix it;
 * undefined for an error that is not the step's to report (it is rethrown as it is).
 */
export type FailureReason = (error: unknown) => { reason: string; stalled?: boolean } | undefined;

export class SourceFetch {
  /** Aborts at the deadline or when the reconcile is cancelled: give it to every request. */
  readonly signal: AbortSignal;
  readonly #deadline: AbortSignal;
  readonly #timeout: string | undefined;
  readonly #obj: SourceObject;
  readonly #ctx: ReconcileContext;

  constructor(obj: SourceObject, timeout: string | undefined, ctx: ReconcileContext) {
    this.#obj = obj;
    this.#ctx = ctx;
    this.#timeout = timeout;
    this.#deadline = AbortSignal.timeout(timeout === undefined ? 60_000 : parseDuration(timeout));
    this.signal = AbortSignal.any([ctx.signal, this.#deadline]);
  }

  /**
   * Runs `step`; on failure sets `condition` (FetchFailed unless given, e.g. BuildFailed) with the
   * reason from `reasonOf` and throws the matching ReconcileError or StalledError, saying so when
   * the deadline cut it short. Success clears the condition.
   */
  step<T>(
    reasonOf: FailureReason,
    step: () => Promise<T>,
    condition: string = ConditionType.FetchFailed,
  ): Promise<T> {
    return runStep(
      this.#obj,
      this.#ctx,
      { reasonOf, condition, timeout: this.#timeout, deadline: this.#deadline },
      step,
    );
  }
}

/** One step of a source's reconcile, as `SourceFetch.step`; without a deadline for steps that have none. */
export async function runStep<T>(
  obj: SourceObject,
  ctx: ReconcileContext,
  options: {
    reasonOf: FailureReason;
    condition: string;
    timeout?: string | undefined;
    deadline?: AbortSignal;
  },
  step: () => Promise<T>,
): Promise<T> {
  const cond = asConditioned(obj);
  try {
    const result = await step();
    conditions.removeCondition(cond, options.condition);
    return result;
  } catch (error) {
    const failure = options.reasonOf(error);
    if (failure === undefined) throw error;
    const { reason, stalled } = failure;
    const message = withTimeout(errorMessage(error), options.timeout, options.deadline);
    conditions.markTrue(cond, options.condition, reason, message, ctx.now);
    if (stalled) throw new StalledError(reason, message, { cause: error });
    throw new ReconcileError(reason, message, { cause: error });
  }
}
