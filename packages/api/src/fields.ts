/**
 * Which spec fields a controller implements. A reconciler declares the field paths it implements
 * and the ones it does not implement yet (`FieldSupport`); the runtime refuses an object that sets
 * any field outside `implemented` (Stalled, reason `UnsupportedField`), so no field is ever
 * silently ignored, and `fieldSupportGaps` lets a unit test fail when the kind's schema gains a
 * field that neither list names.
 *
 * Paths are dotted from the spec (`spec.ref.branch`); array items are `[]`
 * (`spec.include[].toPath`). A path covers everything below it: `spec.ref` covers `spec.ref.tag`.
 */
import { crds } from './crd/crd.ts';
import type { JSONSchemaProps } from './schema/builder.ts';

export interface FieldSupport {
  /** Field paths the controller implements (a path covers the fields below it). */
  implemented: readonly string[];
  /**
   * Field paths the controller does not implement yet: set, they stall the object. Listing them
   * records that the field was looked at and refused, rather than forgotten.
   */
  notImplemented: readonly string[];
}

/** The reason of the Stalled condition for a spec field the controller does not implement. */
export const UnsupportedFieldReason = 'UnsupportedField';

/**
 * Every field path of a spec schema, down to scalars, maps and free-form values (whose keys are
 * data, not fields): `spec.interval`, `spec.ref.branch`, `spec.include[].repository.name`.
 */
export function specFieldPaths(schema: JSONSchemaProps, prefix = 'spec'): string[] {
  const paths: string[] = [];
  const walk = (node: JSONSchemaProps, path: string): void => {
    if (node.type === 'array' && node.items) {
      walk(node.items, `${path}[]`);
      return;
    }
    if (node.type === 'object' && node.properties && !node['x-kubernetes-preserve-unknown-fields']) {
      for (const [name, child] of Object.entries(node.properties)) walk(child, `${path}.${name}`);
      return;
    }
    paths.push(path);
  };
  for (const [name, child] of Object.entries(schema.properties ?? {})) walk(child, `${prefix}.${name}`);
  return paths;
}

function covers(declared: readonly string[], path: string): boolean {
  return declared.some(
    (entry) => path === entry || path.startsWith(`${entry}.`) || path.startsWith(`${entry}[]`),
  );
}

/**
 * The fields of `spec` that are set but not implemented, as paths (`spec.recurseSubmodules`).
 * A value that asks for nothing is not "set": `null`, `false`, `''`, an empty list or object,
 * or the schema's default (which the API server fills in whether the user wrote it or not).
 */
export function unsupportedFields(
  schema: JSONSchemaProps,
  spec: unknown,
  implemented: readonly string[],
  prefix = 'spec',
): string[] {
  const found: string[] = [];
  const partlyImplemented = (path: string) =>
    implemented.some((entry) => entry.startsWith(`${path}.`) || entry.startsWith(`${path}[]`));
  const walk = (node: JSONSchemaProps | undefined, value: unknown, path: string): void => {
    if (!asksForSomething(node, value)) return;
    if (path !== prefix && covers(implemented, path)) return;
    // A field none of whose parts is implemented is named as a whole (`spec.verify`).
    if (path !== prefix && !partlyImplemented(path)) {
      found.push(path);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) walk(node?.items, item, `${path}[]`);
      return;
    }
    if (typeof value === 'object' && value !== null) {
      for (const [name, child] of Object.entries(value))
        walk(node?.properties?.[name], child, `${path}.${name}`);
      return;
    }
    found.push(path);
  };
  walk(schema, spec, prefix);
  return [...new Set(found)];
}

/**
 * Whether a value asks for anything: not `null`, `false`, `''`, an empty list or object, nor the
 * schema's default (which the API server fills in whether the user wrote it or not), nor an
 * object or list made only of such values.
 */
function asksForSomething(node: JSONSchemaProps | undefined, value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  if (node?.default !== undefined && JSON.stringify(node.default) === JSON.stringify(value)) return false;
  if (Array.isArray(value)) return value.some((item) => asksForSomething(node?.items, item));
  if (typeof value === 'object') {
    return Object.entries(value).some(([name, child]) => asksForSomething(node?.properties?.[name], child));
  }
  return true;
}

/**
 * What a declaration misses against the schema: fields neither implemented nor refused,
 * declared paths that are no field at all (a typo would otherwise refuse nothing), and paths
 * declared both implemented and refused.
 */
export function fieldSupportGaps(
  schema: JSONSchemaProps,
  support: FieldSupport,
): { undecided: string[]; unknown: string[]; both: string[] } {
  const paths = specFieldPaths(schema);
  const declared = [...support.implemented, ...support.notImplemented];
  const undecided = paths.filter((path) => !covers(declared, path));
  const unknown = declared.filter((entry) => !paths.some((path) => covers([entry], path)));
  const both = support.notImplemented.filter((entry) => covers(support.implemented, entry));
  return { undecided, unknown, both };
}

/** The `spec` schema of a kind as its generated CRD carries it (what the API server validates). */
export function crdSpecSchema(kind: string): JSONSchemaProps {
  const crd = crds().find((candidate) => candidate.spec.names.kind === kind);
  const spec = crd?.spec.versions.find((version) => version.storage)?.schema.openAPIV3Schema.properties?.spec;
  if (spec === undefined) throw new Error(`no generated CRD with a spec schema for kind ${kind}`);
  return spec;
}

/** The Stalled message for set fields that are not implemented. */
export function unsupportedFieldsMessage(paths: readonly string[]): string {
  const list = paths.join(', ');
  return paths.length === 1
    ? `${list} is not supported yet: remove it from the spec`
    : `${list} are not supported yet: remove them from the spec`;
}
