/**
 * The API reference in docs/api/, generated from the same schemas as the CRDs, so that the
 * docs name every field with its type, default and validation.
 */
import { stringify } from 'yaml';
import { GenerateCommand } from '../crd/files.ts';
import type { KindDefinition } from '../kind.ts';
import { kindDefinitions } from '../kinds.ts';
import { samples } from '../samples.ts';
import { DurationPattern, type JSONSchemaProps, TimeoutPattern } from '../schema/builder.ts';

function typeName(schema: JSONSchemaProps): string {
  if (schema['x-kubernetes-int-or-string'] === true) return 'int or string';
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return 'object (any fields)';
  if (schema.type === 'array') return `[]${schema.items === undefined ? 'any' : typeName(schema.items)}`;
  if (schema.type === 'object' && schema.additionalProperties !== undefined) {
    return `map[string]${typeName(schema.additionalProperties)}`;
  }
  if (schema.type === 'string' && (schema.pattern === DurationPattern || schema.pattern === TimeoutPattern)) {
    return 'duration';
  }
  if (schema.type === 'string' && schema.format === 'date-time') return 'time';
  return schema.type ?? 'any';
}

/** Inline code; inside a table cell a pipe must be escaped even in code. */
function code(text: string, inTable = true): string {
  return `\`${inTable ? text.replaceAll('|', '\\|') : text}\``;
}

function validation(schema: JSONSchemaProps): string {
  const parts: string[] = [];
  if (schema.enum !== undefined) parts.push(`one of ${schema.enum.map((v) => code(String(v))).join(', ')}`);
  if (schema.pattern !== undefined) {
    if (schema.pattern === TimeoutPattern) parts.push('no hours (`h`)');
    else if (schema.pattern !== DurationPattern) parts.push(`pattern ${code(schema.pattern)}`);
  }
  if (schema.minLength !== undefined) parts.push(`min length ${schema.minLength}`);
  if (schema.maxLength !== undefined) parts.push(`max length ${schema.maxLength}`);
  if (schema.minimum !== undefined) parts.push(`min ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`max ${schema.maximum}`);
  if (schema.minItems !== undefined) parts.push(`min ${schema.minItems} items`);
  if (schema.maxItems !== undefined) parts.push(`max ${schema.maxItems} items`);
  if (schema.minProperties !== undefined) parts.push(`min ${schema.minProperties} fields`);
  if (schema.maxProperties !== undefined) parts.push(`max ${schema.maxProperties} fields`);
  return parts.join('; ');
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

interface Row {
  path: string;
  schema: JSONSchemaProps;
  required: boolean;
}

/** Every field under `schema`, depth first, with its dotted path; `depth` 1 stops at the top. */
function rows(schema: JSONSchemaProps, prefix: string, depth: number): Row[] {
  const result: Row[] = [];
  const properties = schema.properties ?? {};
  for (const [name, property] of Object.entries(properties)) {
    const path = `${prefix}.${name}`;
    result.push({ path, schema: property, required: (schema.required ?? []).includes(name) });
    if (depth <= 1) continue;
    let inner = property;
    let innerPath = path;
    // Descend through arrays and maps to the objects they hold.
    for (;;) {
      if (inner.type === 'array' && inner.items !== undefined) {
        inner = inner.items;
        innerPath = `${innerPath}[]`;
      } else if (inner.type === 'object' && inner.additionalProperties !== undefined) {
        inner = inner.additionalProperties;
        innerPath = `${innerPath}.<key>`;
      } else break;
    }
    if (inner.properties !== undefined) result.push(...rows(inner, innerPath, depth - 1));
  }
  return result;
}

function table(fieldRows: readonly Row[], withRequired: boolean): string {
  const header = withRequired
    ? '| Field | Type | Required | Default | Validation | Description |\n|---|---|---|---|---|---|\n'
    : '| Field | Type | Description |\n|---|---|---|\n';
  const lines = fieldRows.map((row) => {
    const description = cell(row.schema.description ?? '');
    if (!withRequired) return `| ${code(row.path)} | ${cell(typeName(row.schema))} | ${description} |`;
    const defaultValue = row.schema.default === undefined ? '' : code(JSON.stringify(row.schema.default));
    return `| ${code(row.path)} | ${cell(typeName(row.schema))} | ${row.required ? 'yes' : ''} | ${defaultValue} | ${validation(row.schema)} | ${description} |`;
  });
  return `${header}${lines.join('\n')}\n`;
}

function anchor(definition: KindDefinition): string {
  return definition.kind.toLowerCase();
}

function rules(schema: JSONSchemaProps): string {
  const found: string[] = [];
  const walk = (node: JSONSchemaProps, path: string) => {
    for (const rule of node['x-kubernetes-validations'] ?? []) {
      found.push(`- ${code(path, false)}: ${rule.message ?? ''} (${code(rule.rule, false)})`);
    }
    for (const [name, property] of Object.entries(node.properties ?? {})) walk(property, `${path}.${name}`);
    if (node.items !== undefined) walk(node.items, `${path}[]`);
  };
  walk(schema, 'spec');
  return found.length === 0 ? '' : `Rules the API server checks:\n\n${found.join('\n')}\n\n`;
}

function section(definition: KindDefinition): string {
  const sample = samples[definition.kind as keyof typeof samples];
  const names = [
    `plural ${code(definition.plural)}`,
    ...(definition.shortNames.length > 0
      ? [`short names ${definition.shortNames.map((name) => code(name, false)).join(', ')}`]
      : []),
    `categories ${definition.categories.map((name) => code(name, false)).join(', ')}`,
  ].join(', ');
  const example =
    sample === undefined
      ? ''
      : `Example:\n\n\`\`\`yaml\n${stringify({ ...sample, metadata: { ...sample.metadata, namespace: 'default' } }, { lineWidth: 0, aliasDuplicateObjects: false })}\`\`\`\n\n`;
  return [
    `## ${definition.kind}\n\n`,
    `\`${definition.group}/${definition.version}\`, ${names}.\n\n`,
    `${definition.description}\n\n`,
    example,
    `### Spec\n\n${table(rows(definition.spec.json, 'spec', 8), true)}\n`,
    rules(definition.spec.json),
    `### Status\n\n${table(rows(definition.status.json, 'status', 1), false)}\n`,
  ].join('');
}

function readme(): string {
  const index = kindDefinitions
    .map(
      (definition) =>
        `| [${definition.kind}](#${anchor(definition)}) | \`${definition.group}/${definition.version}\` | ${cell(definition.description)} |`,
    )
    .join('\n');
  return `<!-- Generated from packages/api/src by \`${GenerateCommand}\`; do not edit. -->
# weft API reference

Every kind follows the Flux API of the same name: same fields, defaults and meanings, with weft's
API groups. A Flux manifest moves over by changing its \`apiVersion\`.

Conventions shared by every kind:

- \`spec.interval\` is how often the object is reconciled; durations use Go's syntax (\`30s\`, \`5m\`, \`1h30m\`).
- \`spec.suspend: true\` stops reconciling until it is set back to false.
- \`status.conditions\` holds \`Ready\`, \`Reconciling\` and \`Stalled\` (kstatus), plus kind-specific conditions;
  \`status.observedGeneration\` is the generation they were computed from (\`-1\` before the first reconcile).
- Annotating an object with \`reconcile.weft.dev/requestedAt: <any new value>\` asks for an immediate reconcile;
  the value is echoed in \`status.lastHandledReconcileAt\`.
- \`kubectl get weft\` lists every weft object; \`kubectl get weft-sources\` the sources.

The CRDs are in [\`packages/api/crds/\`](../../packages/api/crds/) (\`all.yaml\` has them all).

| Kind | API version | What it is for |
|---|---|---|
${index}

${kindDefinitions.map(section).join('\n')}`;
}

/** File name (relative to docs/api/) → content. */
export function docFiles(): Map<string, string> {
  return new Map([['README.md', readme()]]);
}
