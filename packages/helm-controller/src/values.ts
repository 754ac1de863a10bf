/**
 * A HelmRelease's values in Flux's order: each `spec.valuesFrom` entry in turn (a YAML document
 * merged in, or with `targetPath` one value set at a path), then `spec.values` merged last.
 */
import { type HelmReleaseSpec, mergeValues } from '@weft/api';
import { type Client, decodeSecretData, isRecord, type KubeObject } from '@weft/runtime/client';
import { parse } from 'yaml';

export class ValuesError extends Error {
  override name = 'ValuesError';
}

type Values = Record<string, unknown>;
type ValuesReference = NonNullable<HelmReleaseSpec['valuesFrom']>[number];

/** Splits a Helm --set path (`a.b[0].c`, `\.` escapes a dot) into keys and list indexes. */
export function parseTargetPath(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  let key = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i];
    if (char === '\\' && i + 1 < path.length) {
      key += path[++i];
    } else if (char === '.') {
      if (key !== '') parts.push(key);
      key = '';
    } else if (char === '[') {
      if (key !== '') parts.push(key);
      key = '';
      const end = path.indexOf(']', i);
      const index = Number(path.slice(i + 1, end));
      if (end < 0 || !Number.isInteger(index) || index < 0)
        throw new ValuesError(`targetPath '${path}' has an invalid list index`);
      parts.push(index);
      i = end;
    } else {
      key += char;
    }
  }
  if (key !== '') parts.push(key);
  if (parts.length === 0) throw new ValuesError(`targetPath '${path}' is empty`);
  return parts;
}

/** A --set value: true/false/null and integers are typed, the rest stays a string. */
function typedValue(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (/^-?(0|[1-9]\d{0,15})$/.test(text)) return Number(text);
  return text;
}

export function setAtPath(values: Values, path: string, value: unknown): void {
  const parts = parseTargetPath(path);
  let node: Values | unknown[] = values;
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1;
    const next = parts[index + 1];
    const container = node as Record<string | number, unknown>;
    // Helm fills the gap before a list index with nulls; a sparse array would not survive JSON.
    if (Array.isArray(node) && typeof part === 'number') while (node.length < part) node.push(null);
    if (last) {
      container[part] = value;
      return;
    }
    const child = container[part];
    if (typeof next === 'number') {
      if (!Array.isArray(child)) container[part] = [];
    } else if (!isRecord(child)) {
      container[part] = {};
    }
    node = container[part] as Values | unknown[];
  }
}

async function readReference(
  client: Pick<Client, 'find'>,
  namespace: string,
  ref: ValuesReference,
): Promise<string | undefined> {
  const object = await client.find<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: ref.kind,
    namespace,
    name: ref.name,
  });
  const key = ref.valuesKey ?? 'values.yaml';
  const where = `${ref.kind} '${namespace}/${ref.name}'`;
  if (!object) {
    if (ref.optional) return undefined;
    throw new ValuesError(
      `could not find ${where} (spec.valuesFrom); create it or mark the reference optional`,
    );
  }
  const raw = ref.kind === 'Secret' ? decodeSecretData(object)[key] : object.data?.[key];
  if (raw === undefined) {
    if (ref.optional) return undefined;
    throw new ValuesError(`${where} (spec.valuesFrom) has no key '${key}'`);
  }
  return raw;
}

export interface ComposeOptions {
  /** Values merged first (the chart's decrypted valuesFiles). */
  base?: Values;
  /** Decrypts a SOPS document (spec.decryption); documents pass through without it. */
  decrypt?: (text: string, what: string) => Promise<string>;
}

/** The composed values. Never puts a Secret's content into an error message. */
export async function composeValues(
  client: Pick<Client, 'find'>,
  namespace: string,
  spec: Pick<HelmReleaseSpec, 'values' | 'valuesFrom'>,
  options: ComposeOptions = {},
): Promise<Values> {
  let values: Values = options.base ?? {};
  for (const ref of spec.valuesFrom ?? []) {
    const raw = await readReference(client, namespace, ref);
    if (raw === undefined) continue;
    if (ref.targetPath) {
      setAtPath(values, ref.targetPath, typedValue(raw));
      continue;
    }
    const what = `${ref.kind} '${namespace}/${ref.name}' key '${ref.valuesKey ?? 'values.yaml'}'`;
    const text = options.decrypt ? await options.decrypt(raw, what) : raw;
    let doc: unknown;
    try {
      doc = parse(text, { maxAliasCount: 100 });
    } catch {
      throw new ValuesError(
        `the '${ref.valuesKey ?? 'values.yaml'}' key of ${ref.kind} '${namespace}/${ref.name}' is not valid YAML`,
      );
    }
    if (doc === null || doc === undefined) continue;
    if (!isRecord(doc))
      throw new ValuesError(
        `the '${ref.valuesKey ?? 'values.yaml'}' key of ${ref.kind} '${namespace}/${ref.name}' is not a YAML mapping`,
      );
    values = mergeValues(values, doc);
  }
  if (isRecord(spec.values)) values = mergeValues(values, spec.values);
  return values;
}
