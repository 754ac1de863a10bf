/** docs/chart-values.md: every value of the chart with its type, default and description. */
import type { ValueNode } from '../values/schema.ts';
import { valuesSchema } from '../values/values.ts';

function rows(node: ValueNode, path: string[]): string[] {
  if (node.kind === 'object') {
    return Object.entries(node.properties).flatMap(([key, child]) => rows(child, [...path, key]));
  }
  const type =
    node.kind === 'passthrough'
      ? node.type
      : node.kind === 'string' && node.enum
        ? node.enum.map((value) => `\`${value}\``).join(' \\| ')
        : node.kind;
  const value = JSON.stringify(node.default);
  return [`| \`${path.join('.')}\` | ${type} | \`${value}\` | ${node.description.replaceAll('|', '\\|')} |`];
}

export function valuesTable(header: string): string {
  return [
    `<!-- ${header.trim().replace(/^# /, '')} -->`,
    '# Chart values',
    '',
    'Every value of `charts/weft` (and of `weft install`, which sets a few of them from its flags).',
    '`values.schema.json` closes every object: a misspelt key fails `helm install` and names it.',
    'Each controller (`source-controller`, `kustomize-controller`, `notification-controller`) has the',
    'same keys; only their defaults differ.',
    '',
    '| value | type | default | what it does |',
    '|---|---|---|---|',
    ...rows(valuesSchema, []),
    '',
  ].join('\n');
}
