/**
 * Turns `spec.path` of an extracted artifact into a kustomization that carries the
 * Kustomization's build-time settings, as Flux's generator does:
 *
 * - no kustomization file in the directory → one is generated whose `resources` are the YAML
 *   manifests under it, recursively; a sub-directory with its own kustomization file is listed
 *   as one resource and not descended into;
 * - then `targetNamespace`, `namePrefix`, `nameSuffix`, `patches`, `images` and `components` are
 *   written into that kustomization (the user's or the generated one), so `@weft/kustomize`
 *   applies them exactly as kustomize would.
 *
 * The artifact is a throw-away copy, so the file is edited in place; comments and key order of
 * the user's file survive because the edit goes through yaml's Document API.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { KustomizationSpec } from '@weft/api';
import { isMap, isSeq, parseAllDocuments, parseDocument, type YAMLSeq } from 'yaml';

export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** A manifest under `spec.path` is not Kubernetes YAML, or the path is unusable. */
export class GenerateError extends Error {
  override name = 'GenerateError';
  /** The file, relative to the artifact root, when one is to blame. */
  readonly file: string | undefined;
  constructor(message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.file = file;
  }
}

async function findKustomizationFile(dir: string): Promise<string | undefined> {
  const names = new Set(await readdir(dir));
  return kustomizationFileNames.find((name) => names.has(name));
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** Checks that a file holds Kubernetes objects (every document a map with apiVersion and kind). */
function checkManifest(text: string, file: string): void {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new GenerateError('not a YAML stream', file);
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line;
      throw new GenerateError(
        `failed to decode Kubernetes YAML${line ? ` at line ${line}` : ''}: ${error.code}`,
        file,
      );
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new GenerateError('failed to decode Kubernetes YAML: a document is not a map', file);
    }
    const obj = value as Record<string, unknown>;
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      throw new GenerateError('failed to decode Kubernetes YAML: missing apiVersion or kind', file);
    }
  }
}

/** The resources of a generated kustomization: manifests and kustomization directories under `dir`. */
export async function scanResources(dir: string, root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = (await readdir(current, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (await findKustomizationFile(path)) found.push(path);
        else await walk(path);
        continue;
      }
      if (!entry.isFile() || !/\.ya?ml$/.test(entry.name)) continue;
      checkManifest(await readFile(path, 'utf8'), toPosix(relative(root, path)));
      found.push(path);
    }
  };
  await walk(dir);
  return found.map((path) => toPosix(relative(dir, path)));
}

export type BuildSettings = Pick<
  KustomizationSpec,
  'targetNamespace' | 'namePrefix' | 'nameSuffix' | 'patches' | 'images' | 'components'
>;

function appendTo(doc: ReturnType<typeof parseDocument>, key: string, items: unknown[]): void {
  if (items.length === 0) return;
  const existing = doc.get(key, true);
  if (isSeq(existing)) {
    for (const item of items) (existing as YAMLSeq).add(doc.createNode(item));
  } else {
    doc.set(key, doc.createNode(items));
  }
}

/** Drops undefined fields so they are not written as `null`. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Makes `dir` a kustomization with the given settings: generates the file when there is none,
 * then writes the settings into it. Returns the file it wrote.
 */
export async function prepareKustomization(
  dir: string,
  root: string,
  settings: BuildSettings,
): Promise<string> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch {
    throw new GenerateError(`kustomization path not found: ${toPosix(relative(root, dir)) || '.'}`);
  }
  if (!info.isDirectory())
    throw new GenerateError(`kustomization path is not a directory: ${toPosix(relative(root, dir))}`);

  const existing = await findKustomizationFile(dir);
  const file = join(dir, existing ?? 'kustomization.yaml');
  let doc = existing
    ? parseDocument(await readFile(file, 'utf8'))
    : parseDocument(`apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n`);
  if (existing && doc.errors.length > 0) {
    const error = doc.errors[0];
    const line = error?.linePos?.[0]?.line;
    throw new GenerateError(
      `invalid kustomization${line ? ` at line ${line}` : ''}: ${error?.code ?? 'YAML error'}`,
      toPosix(relative(root, file)),
    );
  }
  // An empty file parses to a null document: start a map.
  if (!isMap(doc.contents)) doc = parseDocument('{}\n');
  if (!existing) doc.set('resources', doc.createNode(await scanResources(dir, root)));

  if (settings.targetNamespace) doc.set('namespace', settings.targetNamespace);
  if (settings.namePrefix) doc.set('namePrefix', settings.namePrefix);
  if (settings.nameSuffix) doc.set('nameSuffix', settings.nameSuffix);
  appendTo(
    doc,
    'patches',
    (settings.patches ?? []).map((p) => defined({ patch: p.patch, target: p.target && defined(p.target) })),
  );
  appendTo(
    doc,
    'images',
    (settings.images ?? []).map((image) => defined(image)),
  );
  appendTo(doc, 'components', settings.components ?? []);
  await writeFile(file, doc.toString());
  return file;
}
