/**
 * The source of an automation run: the GitRepository its spec.sourceRef names (URL, credentials,
 * ref), where commits go (push branch, refspec), and the secrets it reads.
 */
import {
  type GitRepository,
  GitRepositoryKind,
  SourceApiVersion,
  UnsupportedFieldReason,
  unsupportedFieldsMessage,
} from '@weft/api';
import { authFromSecret, Remote } from '@weft/git';
import { type Client, decodeSecretData, isNotFound, type KubeObject } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import { type ReconcileContext, ReconcileError, StalledError } from '@weft/runtime/reconcile';
import type { ForgeTls } from './forge/index.ts';
import type { PushTarget, RefspecPush } from './git/push.ts';
import { AutomationReason, toReconcileError } from './reasons.ts';
import type { AutomationObject } from './reconciler.ts';

export interface Source extends PushTarget {
  /** `<namespace>/<name>` of the GitRepository: runs share a push only with the same one (its credentials). */
  repository: string;
  refspec: RefspecPush | undefined;
  /** The GitRepository's URL (the forge of its pull requests is found from it). */
  url: string;
  /** The Git transport's TLS settings, which the forge API calls use too. */
  tls: ForgeTls;
}

/**
 * A client certificate in the GitRepository secret (Flux's mTLS keys, and their older names):
 * neither the Git transport (@weft/git) nor the forge calls present one, so it is refused by
 * name rather than left out of every handshake.
 */
const clientCertificateKeys = ['tls.crt', 'tls.key', 'certFile', 'keyFile'] as const;

export interface SourceOptions {
  client: Pick<Client, 'get'>;
  /** `--no-cross-namespace-refs`: a spec.sourceRef in another namespace is refused. */
  noCrossNamespaceRefs?: boolean | undefined;
}

/** The GitRepository: its URL, credentials and ref, and where commits are pushed. */
export async function resolveSource(
  options: SourceOptions,
  obj: AutomationObject,
  ctx: ReconcileContext,
): Promise<Source> {
  const ref = obj.spec.sourceRef;
  const namespace = ref.namespace ?? obj.metadata.namespace ?? '';
  if (
    ref.kind !== GitRepositoryKind ||
    (ref.apiVersion !== undefined && ref.apiVersion !== SourceApiVersion)
  ) {
    throw new StalledError(
      AutomationReason.InvalidSourceConfig,
      `spec.sourceRef must be a ${SourceApiVersion} GitRepository, not ${ref.apiVersion ?? ''} ${ref.kind}`,
    );
  }
  if (options.noCrossNamespaceRefs && namespace !== (obj.metadata.namespace ?? '')) {
    throw new StalledError(
      AutomationReason.AccessDenied,
      `cannot access GitRepository/${namespace}/${ref.name} (spec.sourceRef): cross-namespace references have been blocked (--no-cross-namespace-refs); use a GitRepository in namespace ${obj.metadata.namespace ?? ''}`,
    );
  }
  let repository: GitRepository & KubeObject;
  try {
    repository = await options.client.get<GitRepository & KubeObject>({
      apiVersion: SourceApiVersion,
      kind: GitRepositoryKind,
      namespace,
      name: ref.name,
    });
  } catch (error) {
    if (isNotFound(error)) {
      throw new ReconcileError(
        AutomationReason.SourceNotFound,
        `GitRepository ${namespace}/${ref.name} (spec.sourceRef) not found`,
      );
    }
    throw error;
  }
  const checkoutRef = obj.spec.git?.checkout?.ref ?? repository.spec.ref;
  const checkout = checkoutRef?.tag
    ? { tag: checkoutRef.tag }
    : checkoutRef?.branch
      ? { branch: checkoutRef.branch }
      : undefined;
  if (!checkout) {
    const from = obj.spec.git?.checkout?.ref
      ? 'spec.git.checkout.ref'
      : `GitRepository ${namespace}/${ref.name} spec.ref`;
    throw new StalledError(
      AutomationReason.InvalidSourceConfig,
      `${from} names no branch or tag to check out; set spec.git.checkout.ref.branch`,
    );
  }
  const push = obj.spec.git?.push;
  // The runtime's field check sees an option with an empty value (`ci.skip: ""`) as unset, but
  // its key is the data: refuse any key, rather than push without it.
  if (Object.keys(push?.options ?? {}).length > 0) {
    throw new StalledError(UnsupportedFieldReason, unsupportedFieldsMessage(['spec.git.push.options']));
  }
  const refspec = push?.refspec
    ? parseRefspec(push.refspec, push.branch ?? ('branch' in checkout ? checkout.branch : undefined))
    : undefined;
  const pushBranch =
    push?.branch ?? (refspec ? undefined : 'branch' in checkout ? checkout.branch : undefined);
  if (pushBranch === undefined && refspec === undefined && !push?.policyBranches) {
    throw new StalledError(
      AutomationReason.InvalidSourceConfig,
      'the checkout ref is a tag: set spec.git.push.branch to say where commits go',
    );
  }
  const secret = await readSecret(
    options.client,
    namespace,
    repository.spec.secretRef?.name,
    'GitRepository spec.secretRef',
  );
  const url = repository.spec.url;
  const clientKeys = url.startsWith('ssh://')
    ? []
    : clientCertificateKeys.filter((key) => (secret?.data[key] ?? '') !== '');
  if (secret && clientKeys.length > 0) {
    throw new StalledError(
      AutomationReason.InvalidSourceConfig,
      `secret ${secret.name} (GitRepository spec.secretRef) has ${clientKeys.map((key) => `"${key}"`).join(', ')}: a client certificate, which image-automation-controller does not present to the Git server or the forge API; remove the keys and authenticate with "username"/"password" or "bearerToken"`,
    );
  }
  try {
    const auth = secret ? authFromSecret(url, secret.name, secret.data) : undefined;
    const remote = new Remote({ url, ...(auth ? { auth } : {}), signal: ctx.signal });
    const tls = { ca: auth?.caCert };
    return { repository: `${namespace}/${ref.name}`, remote, checkout, pushBranch, refspec, url, tls };
  } catch (error) {
    throw toReconcileError(error);
  }
}

/** A Secret's data, decoded; one that cannot be read is InvalidSecret naming `field`. */
export async function readSecret(
  client: Pick<Client, 'get'>,
  namespace: string,
  name: string | undefined,
  field: string,
): Promise<{ name: string; data: Record<string, string> } | undefined> {
  if (!name) return undefined;
  try {
    const secret = await client.get<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace,
      name,
    });
    return { name: `${namespace}/${name}`, data: decodeSecretData(secret) };
  } catch (error) {
    // Never echo a response body: it might carry secret data.
    const why = isNotFound(error) ? 'not found' : (errorMessage(error).split('\n')[0] ?? '').slice(0, 200);
    throw new ReconcileError(
      AutomationReason.InvalidSecret,
      `cannot read secret ${namespace}/${name} (${field}): ${why}`,
    );
  }
}

/** `[+]<src>:<dst>`; the source must be the branch the commit is made on, never forced. */
export function parseRefspec(refspec: string, commitBranch: string | undefined): RefspecPush {
  const invalid = (why: string) =>
    new StalledError(AutomationReason.InvalidSourceConfig, `spec.git.push.refspec ${refspec}: ${why}`);
  if (refspec.startsWith('+')) throw invalid('forced pushes (+) are refused');
  const parts = refspec.split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw invalid('want <src>:<dst>, e.g. refs/heads/main:refs/heads/auto');
  const [src, dst] = parts as [string, string];
  const srcBranch = src.replace(/^refs\/heads\//, '');
  if (src !== 'HEAD' && srcBranch !== commitBranch) {
    throw invalid(`the source must be HEAD or the branch the commit is made on (${commitBranch ?? 'none'})`);
  }
  return {
    src: `refs/heads/${commitBranch ?? 'weft-automation'}`,
    dst: dst.startsWith('refs/') ? dst : `refs/heads/${dst}`,
  };
}
