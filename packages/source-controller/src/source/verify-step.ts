/**
 * The verification step of the OCI sources (OCIRepository, HelmChart from an OCI HelmRepository):
 * cosign over the manifest digest, `SourceVerified` saying how it went, and whether a digest was
 * verified already (so an unchanged artifact is not verified again).
 */
import { ConditionType, type OCIRepositorySpec, Reason } from '@weft/api';
import type { RegistryClient } from '@weft/oci';
import type { Client, KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { errorMessage } from '@weft/runtime/errors';
import { type ReconcileContext, ReconcileError, StalledError } from '@weft/runtime/reconcile';
import { asConditioned } from './artifact-steps.ts';

/** Sigstore's crypto, loaded on the first object with `spec.verify`. */
const cosign = () => import('./cosign.ts');

export const VerificationErrorReason = 'VerificationError';

/**
 * Verifies `repository@digest` when `verify` is set (SourceVerified True, naming the key and the
 * digest); a failure is SourceVerified False and a `VerificationError` (stalled when only a spec
 * change can fix it). Without `verify` the condition is removed.
 */
export async function reconcileSignature(
  obj: KubeObject,
  verify: OCIRepositorySpec['verify'],
  target: { client: Pick<Client, 'get'>; registry: RegistryClient; repository: string; digest: string },
  ctx: ReconcileContext,
): Promise<void> {
  const cond = asConditioned(obj);
  if (!verify) {
    conditions.removeCondition(cond, ConditionType.SourceVerified);
    return;
  }
  const { VerificationError, verifyArtifact } = await cosign();
  try {
    const message = await verifyArtifact({ ...target, verify, namespace: obj.metadata.namespace ?? '' });
    conditions.markTrue(
      cond,
      ConditionType.SourceVerified,
      Reason.Succeeded,
      `${message} for digest ${target.digest}`,
      ctx.now,
    );
  } catch (error) {
    const message = errorMessage(error);
    conditions.markFalse(cond, ConditionType.SourceVerified, VerificationErrorReason, message, ctx.now);
    if (error instanceof VerificationError && error.terminal)
      throw new StalledError(VerificationErrorReason, message, { cause: error });
    throw new ReconcileError(VerificationErrorReason, message, { cause: error });
  }
}

/**
 * Whether the stored artifact's verification still holds for `digest`: true without `verify`
 * (and the condition is dropped), else only when SourceVerified is True for this very digest.
 */
export function verifiedFor(obj: KubeObject, verify: OCIRepositorySpec['verify'], digest: string): boolean {
  const cond = asConditioned(obj);
  if (!verify) {
    conditions.removeCondition(cond, ConditionType.SourceVerified);
    return true;
  }
  const verified = conditions.getCondition(cond, ConditionType.SourceVerified);
  return verified?.status === 'True' && verified.message?.endsWith(digest) === true;
}
