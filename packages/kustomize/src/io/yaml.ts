import {
  type DocumentOptions,
  type ParseOptions,
  parseAllDocuments,
  type SchemaOptions,
  stringify,
  type ToJSOptions,
} from 'yaml';
import { KustomizeError } from '../errors.ts';
import { isMap, type KObject } from '../model/types.ts';
import { ParseCache } from './parse-cache.ts';

// go-yaml (which kustomize uses) reads a leading-zero integer such as 0777 as octal; the
// core schema of the `yaml` package would read it as decimal 777.
const legacyOctal = {
  identify: (v: unknown) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  test: /^0[0-7]+$/,
  resolve: (s: string) => Number.parseInt(s, 8),
};

const parseOptions: ParseOptions & DocumentOptions & SchemaOptions = {
  uniqueKeys: false,
  merge: true,
  customTags: (tags) => [legacyOctal, ...tags],
};
const toJsOptions: ToJSOptions = { maxAliasCount: -1 };

// structuredClone would keep shared references shared, so copy the tree by hand.
const unshare = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(unshare);
  if (isMap(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) out[k] = unshare(val);
    return out;
  }
  return v;
};

const parseUncached = (text: string, file: string): unknown[] => {
  const docs = parseAllDocuments(text, parseOptions);
  const hasAlias = /(^|[\s:,[{-])\*[^\s*]/m.test(text);
  const out: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const err = doc.errors[0];
    if (err) throw new KustomizeError(`invalid YAML: ${err.message.split('\n')[0]}`, file);
    let value: unknown = doc.toJS(toJsOptions);
    // An alias resolves to the very same JS object as its anchor; kustomize treats it as a
    // copy, so later edits to one place must not show up in the other.
    if (hasAlias && value !== null && typeof value === 'object') value = unshare(value);
    if (value === null || value === undefined) continue;
    out.push(value);
  }
  return out;
};

// 8 MiB of texts and results: the files of a few hundred typical apps.
const cache = new ParseCache(8 << 20);

/**
 * Parses a multi-document YAML (or JSON) text into plain values, naming `file` on error. The
 * result is the caller's to edit: texts seen before come from a cache as fresh copies.
 */
export const parseYamlDocuments = (text: string, file: string): unknown[] =>
  cache.parse(text, (t) => parseUncached(t, file));

/** Like `parseYamlDocuments`, without the cache: for texts that must not outlive the build. */
export const parseYamlDocumentsUncached = (text: string, file: string): unknown[] =>
  parseUncached(text, file);

/** How the parse cache is doing, for metrics. */
export const parseCacheStats = (): { hits: number; misses: number; entries: number; bytes: number } => ({
  hits: cache.hits,
  misses: cache.misses,
  entries: cache.size,
  bytes: cache.bytes,
});

export const parseYamlDocument = (text: string, file: string): unknown =>
  parseYamlDocuments(text, file)[0] ?? null;

/** Splits parsed documents into objects, flattening `kind: List`-like documents with `items`. */
export const toObjects = (docs: unknown[], file: string): KObject[] => {
  const out: KObject[] = [];
  const add = (doc: unknown): void => {
    if (!isMap(doc)) throw new KustomizeError('expected a YAML mapping (a Kubernetes object)', file);
    const kind = typeof doc.kind === 'string' ? doc.kind : '';
    if (kind.endsWith('List') && 'items' in doc) {
      const items = doc.items;
      if (Array.isArray(items)) for (const item of items) add(item);
      return;
    }
    out.push(doc);
  };
  for (const d of docs) add(d);
  return out;
};

// Written as YAML 1.1 so that strings such as "on", "yes" or "0777" come out quoted: kubectl
// and the apiserver read manifests as YAML 1.1 and would otherwise see booleans and numbers.
export const stringifyObject = (o: KObject): string =>
  stringify(o, { version: '1.1', lineWidth: 0, indentSeq: false });

export const stringifyObjects = (objects: readonly KObject[]): string =>
  objects.map(stringifyObject).join('---\n');

/**
 * Writes the objects as multi-document YAML in chunks of about `chunk` characters, releasing
 * each object once written, so the whole text never sits in memory at once.
 */
export const writeObjects = (
  objects: (KObject | undefined)[],
  write: (text: string) => void,
  chunk = 1 << 16,
): void => {
  let buffered = '';
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i];
    if (o === undefined) continue;
    objects[i] = undefined;
    buffered += (i > 0 ? '---\n' : '') + stringifyObject(o);
    if (buffered.length >= chunk) {
      write(buffered);
      buffered = '';
    }
  }
  if (buffered) write(buffered);
};
