import type { Document, DocumentOptions, ParseOptions, SchemaOptions, ToJSOptions } from 'yaml';
import { KustomizeError } from '../errors.ts';
import { activeLimits, LimitError, spendBytes } from '../limits/limits.ts';
import { isMap, type KObject } from '../model/types.ts';
import { annotationsAsWritten } from './annotation-text.ts';
import { emitYaml } from './emit-yaml.ts';
import { parseSimpleYaml } from './fast-yaml.ts';
import { ParseCache } from './parse-cache.ts';
import { yamlPackage } from './yaml-package.ts';
import { countDocumentMarkers, nestingBound } from './yaml-shape.ts';

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

// Repeated keys are reported as errors and then told apart from the rest (see parseWithYamlPackage).
const parseOptions: ParseOptions & DocumentOptions & SchemaOptions = {
  uniqueKeys: true,
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

type Expansion = { nodes: number; bytes: number; depth: number };

/**
 * What a document becomes once its aliases are copied out: nodes (and how many of them the
 * aliases add), bytes of scalars and depth.
 * Each node is measured once (an anchor used a million times is one lookup), so the cost is the
 * size of the text, not of the expansion.
 */
const measureExpansion = (doc: Document): Expansion & { aliasNodes: number } => {
  const { isAlias, isCollection, isPair, isScalar } = yamlPackage();
  const seen = new Map<unknown, Expansion>();
  let written = 0;
  const measure = (node: unknown, stack: Set<unknown>): Expansion => {
    const known = seen.get(node);
    if (known) return known;
    let out: Expansion = { nodes: 1, bytes: 1, depth: 0 };
    if (!isAlias(node)) written++;
    if (isAlias(node)) {
      const source = node.resolve(doc);
      // A self-referencing alias is an error the parser reports already.
      out = source && !stack.has(source) ? measure(source, stack) : out;
    } else if (isScalar(node)) {
      out = { nodes: 1, bytes: String(node.value).length + 1, depth: 0 };
    } else if (isCollection(node)) {
      stack.add(node);
      let depth = 0;
      for (const item of node.items) {
        const parts = isPair(item) ? [item.key, item.value] : [item];
        for (const part of parts) {
          if (part === null || part === undefined) continue;
          const m = measure(part, stack);
          out.nodes += m.nodes;
          out.bytes += m.bytes;
          if (m.depth > depth) depth = m.depth;
        }
      }
      out.depth = depth + 1;
      stack.delete(node);
    }
    seen.set(node, out);
    return out;
  };
  const total = measure(doc.contents, new Set());
  return { ...total, aliasNodes: total.nodes - written };
};

/** Refuses, before anything is built from it, a text the build's limits do not allow. */
const checkShape = (text: string, file: string): void => {
  const limits = activeLimits();
  if (text.length > limits.maxFileBytes)
    throw new LimitError('maxFileBytes', `the file has ${text.length} bytes`, file);
  if (countDocumentMarkers(text) > limits.maxObjects)
    throw new LimitError('maxObjects', `the file has ${countDocumentMarkers(text)} YAML documents`, file);
  if (nestingBound(text) > limits.maxDepth)
    throw new LimitError('maxDepth', `the YAML nests about ${nestingBound(text)} levels deep`, file);
};

const aliasRegExp = /(^|[\s:,[{-])\*[^\s*]/m;
/** Whether `text` may hold an alias (the regular expression only runs where a `*` is). */
const aliasPattern = { test: (text: string): boolean => text.includes('*') && aliasRegExp.test(text) };

/** Whether `v` nests no deeper than `max` maps and lists. */
const withinDepth = (v: unknown, max: number): boolean => {
  if (v === null || typeof v !== 'object') return true;
  if (max === 0) return false;
  const items = Array.isArray(v) ? v : Object.values(v);
  return items.every((item) => withinDepth(item, max - 1));
};

// The fast reader handles the plain YAML of most manifests; the `yaml` package the rest, and
// also what the limits refuse (aliases copied past the budget, or nesting too deep once copied),
// so that the error is the same either way.
/**
 * Parsed documents, and the first key a map repeats (`line N: key 'k'`): kustomize reads such a
 * file (last value wins) into its kustomization, but fails on a resource that has one.
 */
type Parsed = { docs: unknown[]; repeatedKey?: string };

const parseUncached = (text: string, file: string): Parsed => {
  const limits = activeLimits();
  const fast = parseSimpleYaml(text, limits.maxAliasNodes);
  if (fast && (!aliasPattern.test(text) || fast.every((d) => withinDepth(d, limits.maxDepth))))
    return { docs: fast };
  return parseWithYamlPackageReporting(text, file);
};

/** Parses with the `yaml` package (every YAML feature, and its error messages). */
export const parseWithYamlPackage = (text: string, file: string): unknown[] =>
  parseWithYamlPackageReporting(text, file).docs;

const parseWithYamlPackageReporting = (text: string, file: string): Parsed => {
  const docs = yamlPackage().parseAllDocuments(text, parseOptions);
  let repeatedKey: string | undefined;
  const hasAlias = aliasPattern.test(text);
  const limits = activeLimits();
  const out: unknown[] = [];
  let aliasNodes = 0;
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    for (const repeated of doc.errors.filter((e) => e.code === 'DUPLICATE_KEY')) {
      const line = repeated.linePos?.[0].line ?? 0;
      const key = (text.split('\n')[line - 1] ?? '').trim().replace(/^- /, '').split(':')[0];
      repeatedKey ??= `line ${line}: key '${key}'`;
    }
    const err = doc.errors.find((e) => e.code !== 'DUPLICATE_KEY');
    if (err) throw new KustomizeError(`invalid YAML: ${err.message.split('\n')[0]}`, file);
    if (hasAlias) {
      // Copies of anchors are what a "billion laughs" file multiplies: measure before copying.
      const expansion = measureExpansion(doc);
      if (expansion.depth > limits.maxDepth) {
        throw new LimitError(
          'maxDepth',
          `the YAML nests ${expansion.depth} levels deep once its aliases are expanded`,
          file,
        );
      }
      aliasNodes += expansion.aliasNodes;
      if (aliasNodes > limits.maxAliasNodes) {
        throw new LimitError('maxAliasNodes', `the YAML aliases expand to ${aliasNodes} nodes`, file);
      }
      const written = doc.range[2] - doc.range[0];
      spendBytes(Math.max(0, expansion.bytes - written), file, 'YAML aliases expand the build to');
    }
    let value: unknown = doc.toJS(toJsOptions);
    // An alias resolves to the very same JS object as its anchor; kustomize treats it as a
    // copy, so later edits to one place must not show up in the other.
    if (hasAlias && value !== null && typeof value === 'object') value = unshare(value);
    if (value === null || value === undefined) continue;
    annotationsAsWritten(doc, value);
    out.push(value);
  }
  return repeatedKey === undefined ? { docs: out } : { docs: out, repeatedKey };
};

// 8 MiB of texts and results: the files of a few hundred typical apps.
const cache = new ParseCache(8 << 20);

/**
 * Parses a multi-document YAML (or JSON) text into plain values, naming `file` on error. The
 * result is the caller's to edit: texts seen before come from a cache as fresh copies.
 */
export const parseYamlDocuments = (text: string, file: string): unknown[] => parsed(text, file).docs;

const parsed = (text: string, file: string): Parsed => {
  checkShape(text, file);
  // A text with aliases is parsed every time: what it expands to is judged against each build's limits.
  if (aliasPattern.test(text)) return parseUncached(text, file);
  return cache.parse(text, (t) => parseUncached(t, file));
};

const refuseRepeatedKey = (result: Parsed, file: string): unknown[] => {
  if (result.repeatedKey !== undefined) {
    throw new KustomizeError(
      `a mapping repeats a key (${result.repeatedKey}); kustomize refuses such a manifest too ("mapping key already defined"): keep one`,
      file,
    );
  }
  return result.docs;
};

/** Like `parseYamlDocuments`, for manifests: a map that repeats a key is an error, as in kustomize. */
export const parseManifestDocuments = (text: string, file: string): unknown[] =>
  refuseRepeatedKey(parsed(text, file), file);

/** Like `parseManifestDocuments`, without the cache: for texts that must not outlive the build. */
export const parseManifestDocumentsUncached = (text: string, file: string): unknown[] => {
  checkShape(text, file);
  return refuseRepeatedKey(parseUncached(text, file), file);
};

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
export const stringifyObject = (o: KObject): string => emitYaml(o);

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
