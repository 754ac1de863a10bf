/** Every weft kind, in the order CRDs and docs list them. */
import { helmReleaseDefinition } from './helm.ts';
import {
  imagePolicyDefinition,
  imageRepositoryDefinition,
  imageUpdateAutomationDefinition,
} from './image.ts';
import type { KindDefinition } from './kind.ts';
import { kustomizationDefinition } from './kustomize.ts';
import { alertDefinition, providerDefinition, receiverDefinition } from './notification.ts';
import {
  bucketDefinition,
  gitRepositoryDefinition,
  helmChartDefinition,
  helmRepositoryDefinition,
  ociRepositoryDefinition,
} from './source.ts';

export const kindDefinitions: readonly KindDefinition[] = [
  gitRepositoryDefinition,
  helmRepositoryDefinition,
  helmChartDefinition,
  ociRepositoryDefinition,
  bucketDefinition,
  kustomizationDefinition,
  helmReleaseDefinition,
  imageRepositoryDefinition,
  imagePolicyDefinition,
  imageUpdateAutomationDefinition,
  providerDefinition,
  alertDefinition,
  receiverDefinition,
];

/** The definition of a kind by its name, e.g. `kindDefinition('GitRepository')`. */
export function kindDefinition(kind: string): KindDefinition | undefined {
  return kindDefinitions.find((definition) => definition.kind === kind);
}
