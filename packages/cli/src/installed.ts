/**
 * What an installation put into a cluster, found by its labels: weft's own objects carry
 * `app.kubernetes.io/part-of=weft` and `app.kubernetes.io/instance=<namespace>`; the objects the
 * controllers applied carry neither, so nothing here ever touches them.
 */
import { type Client, isNotFound, type KubeObject, NoKindMatchError } from '@weft/runtime/client';

/** Deletes an object; one already gone is fine. */
export async function deleteIfPresent(client: Client, ref: Parameters<Client['delete']>[0]): Promise<void> {
  await client.delete(ref).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
  });
}

export const partOfWeft = 'app.kubernetes.io/part-of=weft';

export function instanceSelector(namespace: string): string {
  return `${partOfWeft},app.kubernetes.io/instance=${namespace}`;
}

/** The kinds an installation holds besides its Namespace and CRDs, namespaced first. */
export const installedKinds = [
  { apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', namespaced: true },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespaced: true },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', namespaced: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespaced: true },
  { apiVersion: 'v1', kind: 'ServiceAccount', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespaced: false },
] as const;

/** Objects of a kind, or none when the cluster does not serve the kind (no Prometheus Operator). */
export async function listIfServed(
  client: Client,
  options: { apiVersion: string; kind: string; namespace?: string; labelSelector?: string },
): Promise<KubeObject[]> {
  try {
    return (await client.list(options)).items;
  } catch (error) {
    if (error instanceof NoKindMatchError || isNotFound(error)) return [];
    throw error;
  }
}

/** What to delete one of the installation's objects by. */
export interface InstalledObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string;
}

/** The installation's own objects in `namespace` (by its labels), kind by kind as `installedKinds`. */
export async function installationObjects(client: Client, namespace: string): Promise<InstalledObjectRef[]> {
  const refs: InstalledObjectRef[] = [];
  for (const { apiVersion, kind, namespaced } of installedKinds) {
    const items = await listIfServed(client, {
      apiVersion,
      kind,
      ...(namespaced ? { namespace } : {}),
      labelSelector: instanceSelector(namespace),
    });
    for (const item of items)
      refs.push({ apiVersion, kind, namespace: item.metadata.namespace, name: item.metadata.name ?? '' });
  }
  return refs;
}

export function weftCrds(client: Client): Promise<KubeObject[]> {
  return listIfServed(client, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    labelSelector: partOfWeft,
  });
}

/** The controllers' Deployments of the installation in `namespace`. */
export function weftDeployments(client: Client, namespace: string): Promise<KubeObject[]> {
  return listIfServed(client, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace,
    labelSelector: instanceSelector(namespace),
  });
}

/** `ghcr.io/weft/source-controller:0.1.0` → `0.1.0`. */
export function imageTag(image: string): string {
  const at = image.lastIndexOf('@');
  const reference = at >= 0 ? image.slice(0, at) : image;
  const colon = reference.lastIndexOf(':');
  return colon > reference.lastIndexOf('/') ? reference.slice(colon + 1) : 'latest';
}

export function imageOf(deployment: KubeObject): string {
  const spec = deployment.spec as
    | { template?: { spec?: { containers?: Array<{ image?: string }> } } }
    | undefined;
  return spec?.template?.spec?.containers?.[0]?.image ?? '';
}
