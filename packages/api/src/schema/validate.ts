/**
 * A small validator of values against the OpenAPI schemas weft generates: types, required
 * fields, enums, patterns, bounds and unknown fields. It does not evaluate CEL rules; the API
 * server does. Used to check samples and defaults without a cluster.
 */
import { isRecord } from '../record.ts';
import type { JSONSchemaProps } from './builder.ts';

export interface SchemaError {
  /** Dotted path of the field, e.g. spec.ref.branch or spec.include[0].repository. */
  path: string;
  message: string;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Every way `value` breaks `schema`; empty when it is valid. */
export function validate(value: unknown, schema: JSONSchemaProps, path = ''): SchemaError[] {
  const errors: SchemaError[] = [];
  const fail = (message: string) => errors.push({ path: path === '' ? '<root>' : path, message });
  const actual = typeOf(value);

  if (schema['x-kubernetes-int-or-string'] === true) {
    if (actual !== 'integer' && actual !== 'string') fail(`must be an integer or a string, got ${actual}`);
    return errors;
  }
  if (schema.type !== undefined) {
    const matches = schema.type === actual || (schema.type === 'number' && actual === 'integer');
    if (!matches) {
      fail(`must be of type ${schema.type}, got ${actual}`);
      return errors;
    }
  }
  if (schema.enum !== undefined && !schema.enum.some((allowed) => allowed === value)) {
    fail(
      `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`,
    );
  }

  if (typeof value === 'string') {
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      fail(`must match the pattern ${schema.pattern}, got ${JSON.stringify(value)}`);
    }
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      fail(`must be at least ${schema.minLength} characters long`);
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      fail(`must be at most ${schema.maxLength} characters long`);
    }
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value)))
      fail('must be an RFC 3339 date-time');
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) fail(`must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`must be at most ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      fail(`must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      fail(`must have at most ${schema.maxItems} items`);
    if (schema.items !== undefined) {
      const items = schema.items;
      value.forEach((item, index) => {
        errors.push(...validate(item, items, `${path}[${index}]`));
      });
    }
  }
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) {
      fail(`must have at least ${schema.minProperties} fields`);
    }
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
      fail(`must have at most ${schema.maxProperties} fields`);
    }
    for (const name of schema.required ?? []) {
      if (value[name] === undefined) errors.push({ path: join(path, name), message: 'is required' });
    }
    for (const key of keys) {
      const field = value[key];
      if (field === undefined) continue;
      const property = schema.properties?.[key];
      if (property !== undefined) errors.push(...validate(field, property, join(path, key)));
      else if (schema.additionalProperties !== undefined) {
        errors.push(...validate(field, schema.additionalProperties, join(path, key)));
      } else if (schema.properties !== undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
        errors.push({ path: join(path, key), message: 'is not a known field' });
      }
    }
  }
  return errors;
}

/** One line per error, e.g. `spec.interval: must match the pattern …`. */
export function formatErrors(errors: readonly SchemaError[]): string {
  return errors.map((error) => `${error.path}: ${error.message}`).join('\n');
}
