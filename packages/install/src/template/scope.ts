/**
 * How the definition reads values, so that one function renders both ways: a `ValuesScope` answers
 * with the values themselves (the plain manifests, `weft install`), a `TemplateScope` answers with
 * markers that `emit.ts` turns into Helm template actions (the chart). The definition never
 * branches on a value itself: whole objects are switched by their piece's `when`, optional fields
 * by `optional`, lists grow by `items`.
 */
import { nodeAt, type ValueNode } from '../values/schema.ts';
import type { Values } from '../values/values.ts';

export interface Scope {
  /** A leaf (string, number, boolean); in a template, usable inside a larger string too. */
  value<T extends string | number | boolean>(path: string): T;
  /** A leaf as a string (an annotation holding a port number). */
  text(path: string): string;
  /** An object or list that is left out (undefined) when empty, as Helm's `with`. */
  optional<T>(path: string): T | undefined;
  /** A list's items, to splice into a longer list. */
  items<T>(path: string): T[];
  /** The namespace everything namespaced goes into. */
  readonly namespace: string;
}

/**
 * A condition on the values: a value truthy (or greater than a number), any of several truthy, or
 * a value falsy (`not`: the other side of a choice made by two pieces).
 */
export type Condition = { path: string; greaterThan?: number } | { anyOf: string[] } | { not: string };

function segments(path: string): string[] {
  return path.split('.');
}

function lookup(values: Values, path: string): unknown {
  let current: unknown = values;
  for (const key of segments(path)) {
    current =
      typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length === 0;
  return !value;
}

export class ValuesScope implements Scope {
  readonly #values: Values;
  readonly namespace: string;

  constructor(values: Values, namespace: string) {
    this.#values = values;
    this.namespace = namespace;
  }

  value<T extends string | number | boolean>(path: string): T {
    return lookup(this.#values, path) as T;
  }

  text(path: string): string {
    return String(lookup(this.#values, path));
  }

  optional<T>(path: string): T | undefined {
    const value = lookup(this.#values, path);
    return isEmpty(value) ? undefined : (structuredClone(value) as T);
  }

  items<T>(path: string): T[] {
    const value = lookup(this.#values, path);
    return Array.isArray(value) ? (structuredClone(value) as T[]) : [];
  }

  holds(condition: Condition): boolean {
    if ('anyOf' in condition) return condition.anyOf.some((path) => Boolean(lookup(this.#values, path)));
    if ('not' in condition) return !lookup(this.#values, condition.not);
    const value = lookup(this.#values, condition.path);
    return condition.greaterThan === undefined ? Boolean(value) : Number(value) > condition.greaterThan;
  }
}

export type MarkerKind = 'value' | 'optional' | 'items';

export interface Marker {
  kind: MarkerKind;
  /** The Go template expression of the value, e.g. `(index $.Values "source-controller" "replicas")`. */
  expr: string;
}

/** `.Values` paths as Go template expressions; names with dashes need `index`. */
export function valuesExpr(path: string): string {
  const keys = segments(path);
  if (keys.every((key) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))) return `$.Values.${keys.join('.')}`;
  return `(index $.Values ${keys.map((key) => JSON.stringify(key)).join(' ')})`;
}

export function conditionExpr(condition: Condition): string {
  if ('anyOf' in condition) return `(or ${condition.anyOf.map(valuesExpr).join(' ')})`;
  if ('not' in condition) return `(not ${valuesExpr(condition.not)})`;
  const expr = valuesExpr(condition.path);
  return condition.greaterThan === undefined ? expr : `(gt (int ${expr}) ${condition.greaterThan})`;
}

export const markerPattern = /WEFT([VOI])(\d+)X/g;
const markerLetter: Record<MarkerKind, string> = { value: 'V', optional: 'O', items: 'I' };

/** Answers with markers, recording what each stands for; every path must be in the schema. */
export class TemplateScope implements Scope {
  readonly markers: Marker[] = [];
  readonly namespace: string;
  readonly #schema: ValueNode;

  constructor(schema: ValueNode) {
    this.#schema = schema;
    this.namespace = this.#mark('value', '$.Release.Namespace');
  }

  #mark(kind: MarkerKind, expr: string): string {
    this.markers.push({ kind, expr });
    return `WEFT${markerLetter[kind]}${this.markers.length - 1}X`;
  }

  #path(path: string): string {
    nodeAt(this.#schema, segments(path));
    return valuesExpr(path);
  }

  value<T extends string | number | boolean>(path: string): T {
    return this.#mark('value', this.#path(path)) as T;
  }

  text(path: string): string {
    return this.#mark('value', `(toString ${this.#path(path)})`);
  }

  optional<T>(path: string): T | undefined {
    return this.#mark('optional', this.#path(path)) as T;
  }

  items<T>(path: string): T[] {
    return [this.#mark('items', this.#path(path)) as T];
  }
}
