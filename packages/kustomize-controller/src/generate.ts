/**
 * Turns `spec.path` of an extracted artifact into a kustomization that carries the
 * Kustomization's build-time settings, as Flux's generator does:
 *
 * - no kustomization file in the directory → one is generated whose `resources` are the YAML
 *   manifests under it, recursively; a sub-directory with its own kustomization file is listed
 *   as one resource and not descended into;
 * - then `targetNamespace`, `namePrefix`, `nameSuffix`, `patches`, `images` and `components` are
 *   set in that kustomization (the user's or the generated one), so `@weft/kustomize` applies
 *   them exactly as kustomize would.
 *
 * The result is an object handed to the build (`build(dir, { kustomization })`), not a file: no
 * write, and no second parse of what was just composed. Files are parsed with `@weft/kustomize`'s
 * parser, whose cache makes the build's own read of the same manifests free.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { KustomizationSpec } from '@weft/api';
import { KustomizeError, parseYamlDocuments } from '@weft/kustomize';
import { parseAllDocuments } from 'yaml';

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

/** Where and why `text` is not YAML, in the words of the `yaml` package's first error. */
function yamlError(text: string, file: string, what = 'failed to decode Kubernetes YAML'): GenerateError {
  const error = parseAllDocuments(text)
    .flatMap((doc) => doc.errors)
    .at(0);
  const line = error?.linePos?.[0]?.line;
  return new GenerateError(
    `${what}${line ? ` at line ${line}` : ''}: ${error?.code ?? 'invalid YAML'}`,
    file,
  );
}

/** Checks that a file holds Kubernetes objects (every document a map with apiVersion and kind). */
function checkManifest(text: string, file: string): void {
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(text, file);
  } catch (error) {
    if (error instanceof KustomizeError) throw yamlError(text, file);
    throw error;
  }
  for (const value of docs) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
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

/** The spec fields the build reads (besides `path`); also what names a remembered build. */
export const buildSettingKeys = [
  'targetNamespace',
  'namePrefix',
  'nameSuffix',
  'patches',
  'images',
  'components',
] as const satisfies readonly (keyof KustomizationSpec)[];

export type BuildSettings = Pick<KustomizationSpec, (typeof buildSettingKeys)[number]>;

function appendTo(kustomization: Record<string, unknown>, key: string, items: unknown[]): void {
  if (items.length === 0) return;
  const existing = kustomization[key];
  kustomization[key] = Array.isArray(existing) ? [...existing, ...items] : items;
}

/** Drops undefined fields so they are not written as `null`. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The kustomization of `dir` with the given settings: the user's file, or one generated when
 * there is none, with the settings added. Nothing is written.
 */
export async function prepareKustomization(
  dir: string,
  root: string,
  settings: BuildSettings,
): Promise<Record<string, unknown>> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch {
    throw new GenerateError(`kustomization path not found: ${toPosix(relative(root, dir)) || '.'}`);
  }
  if (!info.isDirectory())
    throw new GenerateError(`kustomization path is not a directory: ${toPosix(relative(root, dir))}`);

  const existing = await findKustomizationFile(dir);
  let kustomization: Record<string, unknown>;
  if (existing) {
    const file = join(dir, existing);
    const text = await readFile(file, 'utf8');
    let doc: unknown;
    try {
      doc = parseYamlDocuments(text, file)[0];
    } catch (error) {
      if (!(error instanceof KustomizeError)) throw error;
      throw yamlError(text, toPosix(relative(root, file)), 'invalid kustomization');
    }
    // An empty file (or one that is not a map) becomes an empty kustomization.
    kustomization =
      typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  } else {
    kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: await scanResources(dir, root),
    };
  }

  if (settings.targetNamespace) kustomization.namespace = settings.targetNamespace;
  if (settings.namePrefix) kustomization.namePrefix = settings.namePrefix;
  if (settings.nameSuffix) kustomization.nameSuffix = settings.nameSuffix;
  appendTo(
    kustomization,
    'patches',
    (settings.patches ?? []).map((p) => defined({ patch: p.patch, target: p.target && defined(p.target) })),
  );
  appendTo(
    kustomization,
    'images',
    (settings.images ?? []).map((image) => defined(image)),
  );
  appendTo(kustomization, 'components', settings.components ?? []);
  return kustomization;
}
