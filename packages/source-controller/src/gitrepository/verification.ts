/**
 * spec.verify of a GitRepository: which objects to check for a mode, and the message naming the
 * keys that signed them. The cryptography is in `../git/verify/`.
 */
import { Reason } from '@weft/api';
import { StalledError } from '@weft/runtime/reconcile';
import type { SourceResult } from '../git/checkout.ts';
import type { GitReference } from '../git/reference.ts';
import { keyringFromSecret, verifyObject } from '../git/verify/index.ts';

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
