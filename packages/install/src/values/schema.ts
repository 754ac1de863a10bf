/**
 * A small schema language for the installation's values: each leaf has a type, a default and a
 * description. From one tree come the chart's `values.yaml` (the defaults, with the descriptions
 * as comments), its `values.schema.json` (closed objects, so a typo fails `helm install`) and the
 * defaults the plain manifests are rendered with.
 */

export type ValueNode =
  | { kind: 'string'; default: string; description: string; enum?: readonly string[] }
  | { kind: 'integer'; default: number; description: string; minimum?: number }
  | { kind: 'boolean'; default: boolean; description: string }
  /** Passed through to Kubernetes as is (resources, affinity, …): open to any field. */
  | {
      kind: 'passthrough';
      type: 'object' | 'array';
      default: unknown;
      description: string;
      items?: JsonSchema;
    }
  | { kind: 'object'; description: string; properties: Record<string, ValueNode> };

export type JsonSchema = { [key: string]: unknown };

export const string = (
  value: string,
  description: string,
  options: { enum?: readonly string[] } = {},
): ValueNode => ({ kind: 'string', default: value, description, ...options });

export const integer = (value: number, description: string, minimum?: number): ValueNode =>
  minimum === undefined
    ? { kind: 'integer', default: value, description }
    : { kind: 'integer', default: value, description, minimum };

export const boolean = (value: boolean, description: string): ValueNode => ({
  kind: 'boolean',
  default: value,
  description,
});

export const passthroughObject = (value: Record<string, unknown>, description: string): ValueNode => ({
  kind: 'passthrough',
  type: 'object',
  default: value,
  description,
});

export const passthroughArray = (value: unknown[], description: string, items?: JsonSchema): ValueNode =>
  items === undefined
    ? { kind: 'passthrough', type: 'array', default: value, description }
    : { kind: 'passthrough', type: 'array', default: value, description, items };

export const object = (description: string, properties: Record<string, ValueNode>): ValueNode => ({
  kind: 'object',
  description,
  properties,
});

/** The defaults of a tree, as a plain values object. */
export function defaultsOf(node: ValueNode): unknown {
  if (node.kind === 'object') {
    return Object.fromEntries(
      Object.entries(node.properties).map(([key, child]) => [key, defaultsOf(child)]),
    );
  }
  return structuredClone(node.default);
}

/** The JSON Schema (draft 7, what Helm validates with) of a tree; objects are closed. */
export function jsonSchemaOf(node: ValueNode): JsonSchema {
  const description = node.description;
  switch (node.kind) {
    case 'string':
      return node.enum
        ? { type: 'string', description, enum: [...node.enum] }
        : { type: 'string', description };
    case 'integer':
      return node.minimum === undefined
        ? { type: 'integer', description }
        : { type: 'integer', description, minimum: node.minimum };
    case 'boolean':
      return { type: 'boolean', description };
    case 'passthrough':
      return node.items
        ? { type: node.type, description, items: node.items }
        : { type: node.type, description };
    case 'object':
      return {
        type: 'object',
        description,
        additionalProperties: false,
        properties: Object.fromEntries(
          Object.entries(node.properties).map(([key, child]) => [key, jsonSchemaOf(child)]),
        ),
      };
  }
}

/** The node at a dotted path; throws on a path the schema does not have (a typo in the definition). */
export function nodeAt(root: ValueNode, path: readonly string[]): ValueNode {
  let node = root;
  for (const key of path) {
    const next = node.kind === 'object' ? node.properties[key] : undefined;
    if (!next) throw new Error(`the values schema has no ${path.join('.')}`);
    node = next;
  }
  return node;
}
