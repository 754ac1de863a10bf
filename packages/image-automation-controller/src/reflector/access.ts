/**
 * May an ImagePolicy use an ImageRepository of another namespace? As fluxcd/pkg's ACL: the same
 * namespace always; another only when the repository's `spec.accessFrom` has a namespace selector
 * matching the labels of the policy's namespace (an empty selector matches every namespace), and
 * never with `--no-cross-namespace-refs`.
 */
import type { ImageRepositorySpec } from '@weft/api';

export type AccessFrom = ImageRepositorySpec['accessFrom'];

/** Why access is refused, in words for the Ready message; undefined when it is allowed. */
export function accessDenied(
  policyNamespace: string,
  repository: { namespace: string; name: string; accessFrom: AccessFrom },
  namespaceLabels: Readonly<Record<string, string>> | undefined,
  noCrossNamespaceRefs: boolean,
): string | undefined {
  if (repository.namespace === policyNamespace) return undefined;
  const ref = `ImageRepository ${repository.namespace}/${repository.name}`;
  if (noCrossNamespaceRefs) return `cannot access ${ref}: cross-namespace references are disabled`;
  const selectors = repository.accessFrom?.namespaceSelectors;
  if (!selectors) return `${ref} cannot be used from namespace ${policyNamespace}: it has no spec.accessFrom`;
  const labels = namespaceLabels ?? {};
  for (const selector of selectors) {
    const wanted = Object.entries(selector.matchLabels ?? {});
    if (wanted.every(([key, value]) => labels[key] === value)) return undefined;
  }
  return `${ref} cannot be used from namespace ${policyNamespace}: no spec.accessFrom.namespaceSelectors entry matches its labels`;
}
