/**
 * Receiver: reads the token from `secretRef` and publishes the webhook path in
 * `status.webhookPath` (`/hook/<sha256(token+name+namespace)>`); Ready once the token is read.
 * The token itself goes nowhere but into the hash.
 */
import { NotificationApiVersion, Reason, ReceiverKind } from '@weft/api';
import { type Reconciler, StalledError } from '@weft/runtime';
import type { ReceiverObject } from '../objects.ts';
import type { SecretReader } from '../provider/config.ts';
import { isSupportedReceiverType, supportedReceiverTypes, webhookPath } from '../receiver/verify.ts';

/** The token of a Receiver's secret; throws a message without the secret's content. */
export async function receiverToken(receiver: ReceiverObject, readSecret: SecretReader): Promise<string> {
  const namespace = receiver.metadata.namespace ?? '';
  const name = receiver.spec.secretRef.name;
  const data = await readSecret(namespace, name);
  if (!data) throw new Error(`secret ${namespace}/${name} not found`);
  const token = data.token;
  if (!token) throw new Error(`secret ${namespace}/${name} has no token key`);
  return token;
}

export class ReceiverReconciler implements Reconciler<ReceiverObject> {
  readonly apiVersion = NotificationApiVersion;
  readonly kind = ReceiverKind;
  readonly #readSecret: SecretReader;

  constructor(readSecret: SecretReader) {
    this.#readSecret = readSecret;
  }

  async reconcile(receiver: ReceiverObject): Promise<void> {
    if (!isSupportedReceiverType(receiver.spec.type)) {
      throw new StalledError(
        Reason.InvalidSpec,
        `receiver type ${receiver.spec.type} is not supported; use one of ${supportedReceiverTypes.join(', ')}`,
      );
    }
    if (receiver.spec.resourceFilter) {
      throw new StalledError(Reason.InvalidSpec, 'spec.resourceFilter (CEL) is not supported yet');
    }
    const token = await receiverToken(receiver, this.#readSecret);
    receiver.status ??= {};
    receiver.status.webhookPath = webhookPath(
      token,
      receiver.metadata.name ?? '',
      receiver.metadata.namespace ?? '',
    );
  }
}
