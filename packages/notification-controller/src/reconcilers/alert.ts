/**
 * Alert: Ready (`Succeeded`, "Initialized") when its regular expressions compile (Stalled with
 * the bad field otherwise) and its Provider exists. A missing Provider is not an error: the Alert
 * is not Ready (`DependencyNotReady`), without a Warning event, and is looked at again when the
 * Provider appears (and every minute meanwhile). Routing itself is the dispatcher's; it reads Alerts from the same cache
 * and tells when an event went out, which the status shows as `lastSentTime`.
 */
import { AlertKind, NotificationApiVersion, Reason } from '@weft/api';
import type { ReconcileResult, Reconciler } from '@weft/runtime/reconcile';
import { StalledError } from '@weft/runtime/reconcile';
import { AlertSpecError, compileAlert } from '../alert/match.ts';
import type { AlertObject, ObjectStore, ProviderObject } from '../objects.ts';

/** How soon an Alert whose Provider is missing is looked at again, besides the Provider's arrival. */
export const providerWaitMs = 60_000;

export class AlertReconciler implements Reconciler<AlertObject> {
  readonly apiVersion = NotificationApiVersion;
  readonly kind = AlertKind;
  readonly #providers: ObjectStore<ProviderObject>;
  readonly #lastSent: (alertKey: string) => number | undefined;

  constructor(providers: ObjectStore<ProviderObject>, lastSent: (alertKey: string) => number | undefined) {
    this.#providers = providers;
    this.#lastSent = lastSent;
  }

  async reconcile(alert: AlertObject): Promise<ReconcileResult> {
    try {
      compileAlert(alert);
    } catch (error) {
      if (error instanceof AlertSpecError) throw new StalledError(Reason.InvalidSpec, error.message);
      throw error;
    }
    const key = `${alert.metadata.namespace}/${alert.spec.providerRef.name}`;
    if (!this.#providers.get(key)) {
      return {
        notReady: { reason: Reason.DependencyNotReady, message: `provider ${key} not found` },
        requeueAfter: providerWaitMs,
      };
    }
    const sentAtMs = this.#lastSent(`${alert.metadata.namespace}/${alert.metadata.name}`);
    if (sentAtMs !== undefined)
      alert.status = { ...alert.status, lastSentTime: new Date(sentAtMs).toISOString() };
    return { ready: { reason: Reason.Succeeded, message: 'Initialized' } };
  }
}
