/** values.yaml (the defaults, each with its description as a comment) and values.schema.json. */
import { Document, isMap, isPair, isScalar, type YAMLMap } from 'yaml';
import { jsonSchemaOf, type ValueNode } from '../values/schema.ts';
import { defaultValues, valuesSchema } from '../values/values.ts';

function describe(map: YAMLMap, node: ValueNode): void {
  if (node.kind !== 'object') return;
  for (const item of map.items) {
    if (!isPair(item) || !isScalar(item.key)) continue;
    const child = node.properties[String(item.key.value)];
    if (!child) continue;
    item.key.commentBefore = ` ${child.description}`;
    if (isMap(item.value)) describe(item.value, child);
  }
}

export function valuesYaml(header: string): string {
  const document = new Document(defaultValues());
  if (isMap(document.contents)) describe(document.contents, valuesSchema);
  return header + document.toString({ lineWidth: 0 });
}

export function valuesSchemaJson(): string {
  const schema = { $schema: 'http://json-schema.org/draft-07/schema#', ...jsonSchemaOf(valuesSchema) };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
