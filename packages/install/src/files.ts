/**
 * Every generated file, by path from the repository root: the plain install manifests
 * (`manifests/`), the chart (`charts/weft/`) and its values table (`docs/chart-values.md`). `pnpm --filter @weft/install generate` writes
 * them; a test fails while the committed ones differ.
 */
import { stringify } from 'yaml';
import { chartTemplates } from './chart/templates.ts';
import { valuesSchemaJson, valuesYaml } from './chart/values-file.ts';
import { valuesTable } from './chart/values-table.ts';
import { type ComponentName, componentNames } from './components.ts';
import { renderObjects, toYamlStream } from './render.ts';
import { type Values, weftVersion } from './values/values.ts';

export const GenerateCommand = 'pnpm --filter @weft/install generate';
export const defaultNamespace = 'weft-system';
const header = `# Generated from packages/install by \`${GenerateCommand}\`; do not edit.\n`;

/** Values that install only the given controllers. */
export function onlyComponents(chosen: readonly ComponentName[]): Values {
  return Object.fromEntries(componentNames.map((name) => [name, { enabled: chosen.includes(name) }]));
}

function chartYaml(): string {
  return (
    header +
    stringify({
      apiVersion: 'v2',
      name: 'weft',
      description: 'GitOps controllers for Kubernetes: install only the ones you need',
      type: 'application',
      version: weftVersion,
      appVersion: weftVersion,
      kubeVersion: '>=1.30.0-0',
      keywords: ['gitops', 'kubernetes', 'weft'],
      sources: ['https://github.com/weft-dev/weft'],
    })
  );
}

const notes = `weft {{ .Chart.AppVersion }} is installed in {{ .Release.Namespace }}.
Check it: weft check --namespace {{ .Release.Namespace }}
The CRDs stay when the release is uninstalled (helm.sh/resource-policy: keep); see docs/install.md.
`;

export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const manifest = (values: Values) =>
    header + toYamlStream(renderObjects({ namespace: defaultNamespace, values }));
  files.set('manifests/install.yaml', manifest({}));
  for (const name of componentNames) files.set(`manifests/${name}.yaml`, manifest(onlyComponents([name])));
  files.set('charts/weft/Chart.yaml', chartYaml());
  files.set('charts/weft/values.yaml', valuesYaml(header));
  files.set('charts/weft/values.schema.json', valuesSchemaJson());
  files.set('charts/weft/templates/NOTES.txt', notes);
  for (const [name, text] of chartTemplates(header)) files.set(`charts/weft/templates/${name}`, text);
  files.set('docs/chart-values.md', valuesTable(header));
  return files;
}
