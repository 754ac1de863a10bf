// Straight-line scenarios of kustomize's own tests (api/krusty/*_test.go in
// kubernetes-sigs/kustomize): the files each one writes and the directory it builds. The
// expected output is not copied: the pinned binary builds the same files.
import { obj, type Scenario } from './case.ts';

export const krustyScenarios: Scenario[] = [];
void obj;
