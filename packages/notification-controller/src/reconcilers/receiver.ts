/**
 * Receiver: reads the token from `secretRef` and publishes the webhook path in
 * `status.webhookPath` (`/hook/<sha256(token+name+namespace)>`); Ready once the token is read
 * (`Succeeded`, "Receiver initialized for path: …"), else Ready=False `TokenNotFound` as Flux's.
 * The token itself goes nowhere but into the hash.
 */
import { NotificationApiVersion, Reason, ReceiverKind } from '@weft/api';
import { errorMessage } from '@weft/runtime/errors';
import { ReconcileError, type ReconcileResult, type Reconciler, StalledError } from '@weft/runtime/reconcile';
import type { ReceiverObject } from '../objects.ts';
import type { SecretReader } from '../provider/config.ts';
import {
  isSupportedReceiverType,
  receiverToken,
  supportedReceiverTypes,
  webhookPath,
} from '../receiver/verify.ts';
import { receiverFields, unsupportedType } from './fields.ts';

/** Flux's Ready reason for a Receiver whose token cannot be read. */
export const TokenNotFoundReason = 'TokenNotFound';

export class ReceiverReconciler implements Reconciler<ReceiverObject> {
  readonly apiVersion = NotificationApiVersion;
  readonly kind = ReceiverKind;
  readonly fields = receiverFields;
  readonly #readSecret: SecretReader;

  constructor(readSecret: SecretReader) {
    this.#readSecret = readSecret;
  }

  async reconcile(receiver: ReceiverObject): Promise<ReconcileResult> {
    if (!isSupportedReceiverType(receiver.spec.type)) {
      throw unsupportedType('receiver', receiver.spec.type, supportedReceiverTypes);
    }
    if (receiver.spec.resourceFilter) {
      throw new StalledError(Reason.InvalidSpec, 'spec.resourceFilter (CEL) is not supported yet');
    }
    receiver.status ??= {};
    let token: string;
    try {
      token = await receiverToken(receiver, this.#readSecret);
    } catch (error) {
      delete receiver.status.webhookPath;
      const message = errorMessage(error);
      throw new ReconcileError(TokenNotFoundReason, message, { cause: error });
    }
    const path = webhookPath(token, receiver.metadata.name ?? '', receiver.metadata.namespace ?? '');
    receiver.status.webhookPath = path;
    return { ready: { reason: Reason.Succeeded, message: `Receiver initialized for path: ${path}` } };
  }
}
