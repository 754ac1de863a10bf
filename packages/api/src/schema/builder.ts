/**
 * A small DSL that describes a kind's fields once, as data. The same value yields the OpenAPI v3
 * schema of the CRD (`.json`) and, through `Infer`, the TypeScript type, so the two cannot drift.
 */

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps that weft's CRDs use. */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  enum?: (string | number | boolean)[];
  pattern?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  'x-kubernetes-validations'?: ValidationRule[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

/** A CEL rule (x-kubernetes-validations). */
export interface ValidationRule {
  rule: string;
  message?: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/**
 * A schema node. `T` is the TypeScript type of values it accepts; it exists only at the type
 * level (the optional `__type` field is never set).
 */
export interface Schema<T = unknown> {
  readonly json: JSONSchemaProps;
  readonly __type?: T;
}

/** The TypeScript type a schema describes. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type Props = Record<string, Schema>;

/** Required keys become required properties; the others are optional. */
export type ObjectOf<P extends Props, R extends string> = Simplify<
  { -readonly [K in keyof P as K extends R ? K : never]: Infer<P[K]> } & {
    -readonly [K in keyof P as K extends R ? never : K]?: Infer<P[K]>;
  }
>;

interface Common<D> {
  description?: string;
  default?: D;
  validations?: ValidationRule[];
}

export interface StrOptions<E extends string = string> extends Common<E> {
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
}

export interface NumOptions extends Common<number> {
  minimum?: number;
  maximum?: number;
  format?: 'int32' | 'int64';
}

export interface ObjOptions<R extends string> extends Common<Record<string, unknown>> {
  required?: readonly R[];
  minProperties?: number;
  maxProperties?: number;
}

export interface ArrOptions<T> extends Common<T[]> {
  minItems?: number;
  maxItems?: number;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}

export interface MapOptions<T> extends Common<Record<string, T>> {
  maxProperties?: number;
}

function make<T>(json: JSONSchemaProps): Schema<T> {
  return { json };
}

/** Copies the options every builder shares, leaving out what is not set. */
function common<D>(options: Common<D>): JSONSchemaProps {
  const json: JSONSchemaProps = {};
  if (options.description !== undefined) json.description = options.description;
  if (options.default !== undefined) json.default = options.default;
  if (options.validations !== undefined) json['x-kubernetes-validations'] = options.validations;
  return json;
}

type Loose<T> = { [K in keyof T]?: T[K] | undefined };

/** Drops the keys whose value is undefined (the options a caller did not set). */
function defined(value: Loose<JSONSchemaProps>): JSONSchemaProps {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** A string; with `enum`, a union of the given literals. */
export function str<const E extends string>(options: StrOptions<E> & { enum: readonly E[] }): Schema<E>;
export function str(options?: StrOptions): Schema<string>;
export function str(options: StrOptions & { enum?: readonly string[] } = {}): Schema<string> {
  return make(
    defined({
      type: 'string',
      ...common(options),
      format: options.format,
      pattern: options.pattern,
      minLength: options.minLength,
      maxLength: options.maxLength,
      enum: options.enum === undefined ? undefined : [...options.enum],
    }),
  );
}

/** An integer (int64 unless told). */
export function int(options: NumOptions = {}): Schema<number> {
  return make(
    defined({
      type: 'integer',
      ...common(options),
      format: options.format ?? 'int64',
      minimum: options.minimum,
      maximum: options.maximum,
    }),
  );
}

export function bool(options: Common<boolean> = {}): Schema<boolean> {
  return make({ type: 'boolean', ...common(options) });
}

/** An object with known properties; those named in `required` must be present. */
export function obj<P extends Props, R extends keyof P & string = never>(
  properties: P,
  options: ObjOptions<R> = {},
): Schema<ObjectOf<P, R>> {
  const json: JSONSchemaProps = { type: 'object', ...common(options) };
  json.properties = Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, s.json]));
  if (options.required !== undefined && options.required.length > 0) json.required = [...options.required];
  if (options.minProperties !== undefined) json.minProperties = options.minProperties;
  if (options.maxProperties !== undefined) json.maxProperties = options.maxProperties;
  return make(json);
}

export function arr<T>(items: Schema<T>, options: ArrOptions<T> = {}): Schema<T[]> {
  return make(
    defined({
      type: 'array',
      ...common(options),
      items: items.json,
      minItems: options.minItems,
      maxItems: options.maxItems,
      'x-kubernetes-list-type': options.listType,
      'x-kubernetes-list-map-keys': options.listMapKeys,
    }),
  );
}

/** A map from string keys to values of one schema (additionalProperties). */
export function map<T>(values: Schema<T>, options: MapOptions<T> = {}): Schema<Record<string, T>> {
  return make(
    defined({
      type: 'object',
      ...common(options),
      additionalProperties: values.json,
      maxProperties: options.maxProperties,
    }),
  );
}

/** Any JSON object, kept as given (Helm values, patch payloads). */
export function json(options: Common<Record<string, unknown>> = {}): Schema<Record<string, unknown>> {
  return make({ type: 'object', ...common(options), 'x-kubernetes-preserve-unknown-fields': true });
}

/** An integer or a string, e.g. a port or a percentage. */
export function intOrString(options: Common<number | string> = {}): Schema<number | string> {
  return make({ ...common(options), 'x-kubernetes-int-or-string': true });
}

/** An RFC 3339 timestamp. */
export function time(options: Common<string> = {}): Schema<string> {
  return make({ type: 'string', format: 'date-time', ...common(options) });
}

/** Flux's duration pattern: a Go duration made of ms, s, m and h parts, e.g. `1m30s`. */
export const DurationPattern = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
/** Flux's pattern for timeouts, which stop at minutes. */
export const TimeoutPattern = '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$';

/** A Go-style duration string; `hours: false` gives Flux's timeout pattern (no `h`). */
export function duration(options: Common<string> & { hours?: boolean } = {}): Schema<string> {
  return make({
    type: 'string',
    ...common(options),
    pattern: options.hours === false ? TimeoutPattern : DurationPattern,
  });
}

/** A reference to an object by name, in the same namespace. */
export function ref(description?: string): Schema<{ name: string }> {
  return obj(
    { name: str({ description: 'Name of the referent.' }) },
    description === undefined ? { required: ['name'] } : { description, required: ['name'] },
  );
}

/** Marks a schema with a description without rebuilding it. */
export function describe<T>(schema: Schema<T>, description: string): Schema<T> {
  return make({ ...schema.json, description });
}
