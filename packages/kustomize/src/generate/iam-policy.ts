import { KustomizeError } from '../errors.ts';
import { spendObjects } from '../limits/limits.ts';
import { Resource } from '../model/resource.ts';
import { isMap, type KObject } from '../model/types.ts';

const text = (m: unknown, key: string): string => (isMap(m) && typeof m[key] === 'string' ? m[key] : '');

/**
 * kustomize's builtin IAMPolicyGenerator: for `cloud: gke`, the Kubernetes ServiceAccount bound to
 * a Google service account by Workload Identity's annotation. No other cloud is supported (as in
 * kustomize).
 */
export const generateIamPolicy = (config: Record<string, unknown>, source: string): Resource => {
  if (config.cloud !== 'gke') {
    throw new KustomizeError(
      `IAMPolicyGenerator: cloud provider '${String(config.cloud ?? '')}' is not supported (only gke)`,
      source,
    );
  }
  const service = config.kubernetesService;
  const account = config.serviceAccount;
  const metadata: Record<string, unknown> = {
    annotations: {
      'iam.gke.io/gcp-service-account': `${text(account, 'name')}@${text(account, 'projectId')}.iam.gserviceaccount.com`,
    },
    name: text(service, 'name'),
  };
  if (text(service, 'namespace')) metadata.namespace = text(service, 'namespace');
  const obj: KObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata };
  spendObjects(1, source);
  return new Resource(obj);
};
