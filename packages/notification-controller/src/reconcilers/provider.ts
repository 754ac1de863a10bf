/**
 * Provider: Ready once its type is supported and its settings (address, secrets, CA, proxy)
 * resolve; Ready=False while deliveries to it fail (`DeliveryFailed`, with the status code and
 * a trimmed answer, never the address's path or a credential), until one succeeds again.
 * Settings that do not resolve fail with the `ProviderConfigError`'s reason (`SecretNotFound`,
 * `InvalidSecret`, …) on Ready and on the Warning event; success is `Succeeded`, "Initialized".
 */
import { NotificationApiVersion, ProviderKind, Reason } from '@weft/api';
import * as conditions from '@weft/runtime/conditions';
import { ReconcileError, type ReconcileResult, type Reconciler } from '@weft/runtime/reconcile';
import type { ProviderObject } from '../objects.ts';
import { ProviderConfigError, resolveProviderConfig, type SecretReader } from '../provider/config.ts';
import { isSupportedProviderType, supportedProviderTypes } from '../provider/payloads.ts';
import { providerFields, unsupportedType } from './fields.ts';

export const DeliveryFailedCondition = 'DeliveryFailed';

/** The last delivery failure of each Provider (`namespace/name`), as the dispatcher reports it. */
export class DeliveryHealth {
  readonly #failures = new Map<string, { reason: string; message: string }>();

  /** Records a result; returns whether the Provider's condition must change. */
  report(providerKey: string, failure: { reason: string; message: string } | undefined): boolean {
    const current = this.#failures.get(providerKey);
    if (!failure) return this.#failures.delete(providerKey);
    this.#failures.set(providerKey, failure);
    return current?.message !== failure.message || current.reason !== failure.reason;
  }

  get(providerKey: string): { reason: string; message: string } | undefined {
    return this.#failures.get(providerKey);
  }
}

export class ProviderReconciler implements Reconciler<ProviderObject> {
  readonly apiVersion = NotificationApiVersion;
  readonly kind = ProviderKind;
  readonly fields = providerFields;
  readonly conditions = [DeliveryFailedCondition];
  readonly negativePolarity = [DeliveryFailedCondition];
  readonly #readSecret: SecretReader;
  readonly #health: DeliveryHealth;

  constructor(readSecret: SecretReader, health: DeliveryHealth) {
    this.#readSecret = readSecret;
    this.#health = health;
  }

  async reconcile(provider: ProviderObject): Promise<ReconcileResult> {
    if (!isSupportedProviderType(provider.spec.type)) {
      throw unsupportedType('provider', provider.spec.type, supportedProviderTypes);
    }
    try {
      await resolveProviderConfig(provider, this.#readSecret);
    } catch (error) {
      if (error instanceof ProviderConfigError)
        throw new ReconcileError(error.reason, error.message, { cause: error });
      throw error;
    }
    const failure = this.#health.get(`${provider.metadata.namespace}/${provider.metadata.name}`);
    if (failure) {
      conditions.markTrue(provider, DeliveryFailedCondition, failure.reason, failure.message);
    } else {
      conditions.removeCondition(provider, DeliveryFailedCondition);
    }
    return { ready: { reason: Reason.Succeeded, message: 'Initialized' } };
  }
}
