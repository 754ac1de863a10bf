// Scenarios (kustomize's own test scenarios and the behaviours of issue 17) built by weft-kustomize
// and by the pinned kustomize binary: the binary's output is the expectation.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { behaviourScenarios } from './cases/behaviours.ts';
import type { Scenario } from './cases/case.ts';
import { krustyScenarios } from './cases/krusty.ts';
import { transformerConfigScenarios } from './cases/transformer-configs.ts';
import { compareWithBinary, referenceMissing } from './fixtures/reference.ts';
import { krustyFiles } from './krusty/txtar.ts';

const work = mkdtempSync(path.join(tmpdir(), 'weft-kustomize-scenarios-'));
after(() => rmSync(work, { recursive: true, force: true }));

const write = (dir: string, files: Scenario['files']): void => {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
};

const suites: [string, Scenario[]][] = [
  ['behaviours of issue 17', behaviourScenarios],
  ['transformers and configurations from files', transformerConfigScenarios],
  ["kustomize's own test scenarios, variants", krustyScenarios],
  ...krustyFiles().map(({ file, scenarios }): [string, Scenario[]] => [`krusty ${file}`, scenarios]),
];

for (const [s, [suite, scenarios]] of suites.entries()) {
  describe(`differential: ${suite}`, { skip: referenceMissing() }, () => {
    for (const [i, scenario] of scenarios.entries()) {
      it(scenario.name, () => {
        const dir = path.join(work, `${s}-${i}`);
        write(dir, scenario.files);
        const { reorder, error, loadRestrictions, managedByLabel } = scenario;
        compareWithBinary(path.join(dir, scenario.build ?? '.'), scenario.mustBuild ?? false, {
          ...(reorder ? { reorder } : {}),
          ...(loadRestrictions ? { loadRestrictions } : {}),
          ...(managedByLabel ? { managedByLabel } : {}),
          ...(error ? { error } : {}),
        });
      });
    }
  });
}
