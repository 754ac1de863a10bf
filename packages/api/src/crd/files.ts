/**
 * The CRD files committed under packages/api/crds/: one per kind and all.yaml with every CRD.
 */
import { stringify } from 'yaml';
import { type CustomResourceDefinition, crds } from './crd.ts';

export const GenerateCommand = 'pnpm --filter @weft/api generate';
const header = `# Generated from packages/api/src by \`${GenerateCommand}\`; do not edit.\n`;

function toYaml(crd: CustomResourceDefinition): string {
  // lineWidth 0: long descriptions stay on one line, so diffs show what changed.
  return stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** File name (relative to crds/) → content. */
export function crdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const all = crds();
  for (const crd of all) files.set(`${crd.spec.group}_${crd.spec.names.plural}.yaml`, header + toYaml(crd));
  files.set('all.yaml', header + all.map((crd) => `---\n${toYaml(crd)}`).join(''));
  return files;
}
