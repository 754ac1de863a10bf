/**
 * The one place `Ready` is computed, as fluxcd/pkg `conditions.SetSummary` with Flux's
 * summarize helpers and kstatus rules. Steps set their own conditions; the summariser looks at
 * them in the order the reconciler lists them and derives Ready:
 *
 * 1. `Stalled=True` → Ready False, with Stalled's reason and message (kstatus: stuck, no retry).
 * 1b. Otherwise a reason the reconciler gives for this reconcile not being ready (`notReady`: a
 *    `ReconcileError`'s reason, or a "not ready yet" outcome) → Ready False with it.
 * 2. Otherwise the first condition that reports a problem — a normal ("positive polarity")
 *    condition that is False, or a negative-polarity one (`FetchFailed`, …) that is True →
 *    Ready False with its reason and message.
 * 3. Otherwise, a reconcile error the caller passes in → Ready False (`ReconciliationFailed`).
 * 4. Otherwise `Reconciling=True` → Ready Unknown with Reconciling's reason (e.g. Progressing).
 * 5. Otherwise the first positive condition that is Unknown → Ready Unknown.
 * 6. Otherwise Ready True, with the reason and message the reconciler gives (`ready`), else the
 *    first positive True condition's, else `successReason`/`successMessage` (`Succeeded`).
 */
import { ConditionType, Reason } from '@weft/api';
import { errorMessage } from '../errors/index.ts';
import { type Conditioned, getCondition, type Now, setCondition } from './conditions.ts';

/** Conditions whose True status is the abnormal one (Flux: negative polarity). */
export const defaultNegativePolarity: readonly string[] = [
  ConditionType.Stalled,
  ConditionType.Reconciling,
  ConditionType.FetchFailed,
  ConditionType.IncludeUnavailable,
  ConditionType.StorageOperationFailed,
];

export interface SummaryOptions {
  /** Conditions that take part, most important first. Stalled and Reconciling always do. */
  conditions?: readonly string[];
  /** Conditions whose True status means trouble, in addition to the defaults. */
  negativePolarity?: readonly string[];
  /** The error of this reconcile, if any, used when no condition explains the failure. */
  error?: unknown;
  /** Why this reconcile is not ready, as the reconciler says: wins over every condition but Stalled. */
  notReady?: { reason: string; message: string };
  /** Ready=True reason and message the reconciler gives: wins over positive conditions. */
  ready?: { reason: string; message: string };
  /** Reason and message of Ready=True when no positive condition gives one. */
  successReason?: string;
  successMessage?: string;
  now?: Now;
}

export interface Summary {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** Computes Ready without writing it. */
export function computeSummary(obj: Conditioned, options: SummaryOptions = {}): Summary {
  const negative = new Set([...defaultNegativePolarity, ...(options.negativePolarity ?? [])]);
  const order = [
    ConditionType.Stalled,
    ...(options.conditions ?? []).filter(
      (t) => t !== ConditionType.Stalled && t !== ConditionType.Reconciling && t !== ConditionType.Ready,
    ),
  ];
  const present = order.map((type) => getCondition(obj, type)).filter((c) => c !== undefined);

  if (present[0]?.type === ConditionType.Stalled && present[0].status === 'True') {
    return { status: 'False', reason: present[0].reason, message: present[0].message };
  }
  if (options.notReady) {
    return { status: 'False', reason: options.notReady.reason, message: options.notReady.message };
  }

  const problem = present.find((c) => (negative.has(c.type) ? c.status === 'True' : c.status === 'False'));
  if (problem) return { status: 'False', reason: problem.reason, message: problem.message };

  if (options.error !== undefined) {
    return { status: 'False', reason: Reason.ReconciliationFailed, message: errorMessage(options.error) };
  }

  const reconciling = getCondition(obj, ConditionType.Reconciling);
  if (reconciling?.status === 'True') {
    return { status: 'Unknown', reason: reconciling.reason, message: reconciling.message };
  }

  const unknown = present.find((c) => !negative.has(c.type) && c.status === 'Unknown');
  if (unknown) return { status: 'Unknown', reason: unknown.reason, message: unknown.message };

  if (options.ready) return { status: 'True', reason: options.ready.reason, message: options.ready.message };
  const positive = present.find((c) => !negative.has(c.type) && c.status === 'True');
  if (positive) return { status: 'True', reason: positive.reason, message: positive.message };
  return {
    status: 'True',
    reason: options.successReason ?? Reason.Succeeded,
    message: options.successMessage ?? 'Reconciliation succeeded',
  };
}

/** Computes Ready and writes it into `status.conditions`; returns what it wrote. */
export function setSummary(obj: Conditioned, options: SummaryOptions = {}): Summary {
  const summary = computeSummary(obj, options);
  setCondition(obj, { type: ConditionType.Ready, ...summary }, options.now);
  return summary;
}
