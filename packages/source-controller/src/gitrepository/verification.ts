/**
 * spec.verify of a GitRepository (the reconcileVerification step): which objects to check for a
 * mode, the SourceVerified condition and the message naming the keys that signed them. The
 * cryptography is in `../git/verify/` (OpenPGP), loaded on the first verification: a controller
 * whose GitRepositories verify nothing never loads openpgp.
 */
import { ConditionType, type GitRepository, type GitRepositoryStatus, Reason } from '@weft/api';
import type { Client, KubeObject } from '@weft/runtime/client';
import * as conditions from '@weft/runtime/conditions';
import { errorMessage } from '@weft/runtime/errors';
import { type ReconcileContext, ReconcileError, StalledError } from '@weft/runtime/reconcile';
import type { SourceResult } from '../git/checkout.ts';
import type { GitReference } from '../git/reference.ts';
import { asConditioned } from '../source/artifact-steps.ts';
import { readSecretData } from './auth.ts';
import { GitReason } from './reasons.ts';

export type VerificationMode = 'HEAD' | 'Tag' | 'TagAndHEAD';

/** The mode as status records it: `head` (Flux's old spelling) is `HEAD`; absent is `HEAD`. */
export function verificationMode(mode: string | undefined): VerificationMode {
  if (mode === 'Tag' || mode === 'TagAndHEAD') return mode;
  return 'HEAD';
}

export interface VerifySourceOptions {
  mode: string | undefined;
  ref: GitReference;
  result: SourceResult;
  readSecret(): Promise<Record<string, string>>;
  /** `namespace/name` of the keys Secret, for messages. */
  secretName: string;
}

/** Verifies what the mode asks for; returns the mode and the SourceVerified message. */
export async function verifySource(
  options: VerifySourceOptions,
): Promise<{ mode: VerificationMode; message: string }> {
  const mode = verificationMode(options.mode);
  const { result } = options;
  const wantsTag = mode === 'Tag' || mode === 'TagAndHEAD';
  const isTagRef =
    (options.ref.tag ?? '') !== '' ||
    (options.ref.semver ?? '') !== '' ||
    (options.ref.name ?? '').startsWith('refs/tags/');
  if (wantsTag && (!isTagRef || (options.ref.commit ?? '') !== '')) {
    throw new StalledError(
      Reason.InvalidSpec,
      `spec.verify.mode ${mode} verifies a tag: set spec.ref.tag, spec.ref.semver or a refs/tags/ spec.ref.name (and no spec.ref.commit)`,
    );
  }
  const { keyringFromSecret, verifyObject } = await import('../git/verify/index.ts');
  const keyring = await keyringFromSecret(await options.readSecret(), options.secretName);
  const verified: string[] = [];
  if (wantsTag) {
    const tagName = result.shortName ?? '';
    if (result.objects.tag === undefined) {
      throw new Error(
        `tag '${tagName}' is a lightweight tag: it carries no signature to verify (use an annotated, signed tag)`,
      );
    }
    const tag = await verifyObject('tag', result.objects.tag, keyring, `tag '${tagName}'`);
    verified.push(`tag '${tagName}' with key '${tag.fingerprint}'`);
  }
  if (mode === 'HEAD' || mode === 'TagAndHEAD') {
    const commit = await verifyObject('commit', result.objects.commit, keyring, `commit '${result.commit}'`);
    verified.push(`commit '${result.commit}' with key '${commit.fingerprint}'`);
  }
  return { mode, message: `verified signature of ${verified.join(' and ')}` };
}

/**
 * With `spec.verify`: checks the signature of the fetched commit and/or tag against the keys of
 * `spec.verify.secretRef` (SourceVerified True naming the key); an unsigned object, or one
 * signed by a key not listed, fails the reconcile with VerificationError before the artifact
 * is built, so the previous artifact stays. Without it, the condition and mode are cleared.
 */
export async function reconcileVerification(
  client: Pick<Client, 'get'>,
  obj: GitRepository & KubeObject,
  status: GitRepositoryStatus,
  ctx: ReconcileContext,
  result: SourceResult,
): Promise<void> {
  const cond = asConditioned(obj);
  const verify = obj.spec.verify;
  if (verify === undefined) {
    conditions.removeCondition(cond, ConditionType.SourceVerified);
    delete status.sourceVerificationMode;
    return;
  }
  const namespace = obj.metadata.namespace ?? '';
  const secretName = verify.secretRef.name;
  try {
    const outcome = await verifySource({
      mode: verify.mode,
      ref: obj.spec.ref ?? {},
      result,
      readSecret: () => readSecretData(client, namespace, secretName, 'spec.verify.secretRef'),
      secretName: `${namespace}/${secretName}`,
    });
    status.sourceVerificationMode = outcome.mode;
    conditions.markTrue(cond, ConditionType.SourceVerified, Reason.Succeeded, outcome.message, ctx.now);
  } catch (error) {
    const message = errorMessage(error);
    delete status.sourceVerificationMode;
    conditions.markFalse(cond, ConditionType.SourceVerified, GitReason.VerificationError, message, ctx.now);
    if (error instanceof StalledError) throw error;
    throw new ReconcileError(GitReason.VerificationError, message, { cause: error });
  }
}

/** Without spec.verify, or when the stored artifact was verified in the mode asked for now. */
export function verifiedAsAsked(obj: GitRepository & KubeObject): boolean {
  const verify = obj.spec.verify;
  if (verify === undefined) return true;
  const verified = conditions.getCondition(asConditioned(obj), ConditionType.SourceVerified);
  return verified?.status === 'True' && obj.status?.sourceVerificationMode === verificationMode(verify.mode);
}
