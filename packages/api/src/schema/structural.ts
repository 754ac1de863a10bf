/**
 * Checks that a schema is structural, as the API server requires of CRD schemas, and that its
 * defaults, enums and list-map keys are consistent. The API server would reject the CRD (or
 * the default) otherwise; catching it here keeps the feedback in unit tests.
 */
import type { JSONSchemaProps } from './builder.ts';
import { validate } from './validate.ts';

export interface StructuralError {
  path: string;
  message: string;
}

function check(schema: JSONSchemaProps, path: string, errors: StructuralError[]): void {
  const fail = (message: string) => errors.push({ path, message });
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;

  if (schema.type === undefined && !intOrString && !preserve) fail('has no type');
  if (intOrString && schema.type !== undefined) fail('x-kubernetes-int-or-string must not set type');
  if (schema.properties !== undefined && schema.additionalProperties !== undefined) {
    fail('sets both properties and additionalProperties');
  }
  if (
    schema.type !== 'object' &&
    (schema.properties !== undefined || schema.additionalProperties !== undefined)
  ) {
    fail('has properties but is not of type object');
  }
  if (schema.type === 'array' && schema.items === undefined) fail('is an array without items');
  if (schema.type !== 'array' && schema.items !== undefined) fail('has items but is not of type array');
  if (schema.pattern !== undefined) {
    try {
      new RegExp(schema.pattern, 'u');
    } catch (error) {
      fail(`has an invalid pattern: ${(error as Error).message}`);
    }
  }
  for (const required of schema.required ?? []) {
    if (schema.properties?.[required] === undefined) fail(`requires ${required}, which is not a property`);
  }
  if (schema.enum !== undefined) {
    const { enum: values, ...withoutEnum } = schema;
    for (const value of values) {
      const valueErrors = validate(value, withoutEnum);
      if (valueErrors.length > 0) fail(`enum value ${JSON.stringify(value)} does not fit the schema`);
    }
  }
  if (schema.default !== undefined) {
    const defaultErrors = validate(schema.default, schema);
    for (const error of defaultErrors) fail(`default is invalid at ${error.path}: ${error.message}`);
  }
  if (schema['x-kubernetes-list-type'] === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    if (keys.length === 0) fail('is a list-type map without list-map-keys');
    for (const key of keys) {
      const item = schema.items;
      if (item?.properties?.[key] === undefined) fail(`list-map key ${key} is not a property of the items`);
      else if (!(item.required ?? []).includes(key) && item.properties[key]?.default === undefined) {
        fail(`list-map key ${key} must be required or defaulted`);
      }
    }
  }

  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    check(property, path === '' ? name : `${path}.${name}`, errors);
  }
  if (schema.items !== undefined) check(schema.items, `${path}[]`, errors);
  if (schema.additionalProperties !== undefined) check(schema.additionalProperties, `${path}{}`, errors);
}

/** Every way the schema is not structural or not consistent; empty when it is fine. */
export function structuralErrors(schema: JSONSchemaProps): StructuralError[] {
  const errors: StructuralError[] = [];
  check(schema, '', errors);
  const metadata = schema.properties?.metadata;
  if (metadata?.properties !== undefined) {
    for (const name of Object.keys(metadata.properties)) {
      if (name !== 'name' && name !== 'generateName') {
        errors.push({
          path: `metadata.${name}`,
          message: 'only name and generateName may be specified at metadata',
        });
      }
    }
  }
  return errors;
}
