// Straight-line scenarios of kustomize's own tests (api/krusty/*_test.go in
// kubernetes-sigs/kustomize): the files each one writes and the directory it builds. The
// expected output is not copied: the pinned binary builds the same files.
import type { Scenario } from './case.ts';
import { customConfigScenarios } from './krusty-customconfig.ts';
import { nameReferenceScenarios } from './krusty-namereference.ts';
import { namespaceScenarios } from './krusty-namespaces.ts';
import { replacementScenarios } from './krusty-replacements.ts';

export const krustyScenarios: Scenario[] = [
  ...nameReferenceScenarios,
  ...customConfigScenarios,
  ...replacementScenarios,
  ...namespaceScenarios,
];
