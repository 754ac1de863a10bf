/**
 * What the bootstrap tests commit on a user's behalf: edits of weft-components.yaml made as a
 * person makes them (text edits, the rest of the file untouched), and the bytes a bootstrap with
 * fewer `--components` would write.
 */
import type { KubeObject } from '@weft/runtime/client';
import { bootstrapComponents } from '../src/bootstrap/manifests.ts';
import { imageTagOf, readInstallValues } from '../src/commands/install-options.ts';

/** An app committed under the cluster's path, and the object it applies. */
export const app = {
  file: (path: string) => `${path}/app.yaml`,
  manifest:
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\n  namespace: default\ndata:\n  greeting: hi\n',
  object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'hello' },
} as const;

/** The first container's args of a Deployment. */
export function containerArgs(deployment: KubeObject | undefined): string[] {
  const spec = deployment?.spec as
    | { template: { spec: { containers: Array<{ args?: string[] }> } } }
    | undefined;
  return spec?.template.spec.containers[0]?.args ?? [];
}

/** weft-components.yaml with `--concurrent=<n>` first in kustomize-controller's Deployment args. */
export function addConcurrentFlag(componentsText: string, concurrent: number): string {
  const documents = componentsText.split(/^(?=---\n)/m);
  const index = documents.findIndex(
    (document) => /^kind: Deployment$/m.test(document) && /^ {2}name: kustomize-controller$/m.test(document),
  );
  const document = documents[index];
  if (document === undefined) throw new Error('weft-components.yaml has no kustomize-controller Deployment');
  const edited = document.replace(/^( +)args:\n( +- )/m, `$1args:\n$2--concurrent=${concurrent}\n$2`);
  if (edited === document) throw new Error("kustomize-controller's Deployment has no args");
  documents[index] = edited;
  return documents.join('');
}

/** weft-components.yaml as `weft bootstrap git --components <components> --values <files>` writes it. */
export async function fewerComponents(options: {
  namespace: string;
  components: readonly string[];
  valuesFiles?: string[];
}): Promise<string> {
  // bootstrap's defaults (main.ts): cluster-admin for kustomize-controller.
  const values = await readInstallValues({
    components: options.components.join(','),
    componentsExtra: '',
    version: '0.1.0',
    registry: 'ghcr.io',
    networkPolicy: true,
    watchAllNamespaces: true,
    clusterReconciler: true,
    logLevel: 'info',
    values: options.valuesFiles ?? [],
  });
  const components = options.components as Parameters<typeof bootstrapComponents>[0]['components'];
  return bootstrapComponents({
    namespace: options.namespace,
    values,
    components,
    version: imageTagOf(values),
  });
}
