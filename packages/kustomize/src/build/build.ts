import { KustomizeError } from '../errors.ts';
import { emitYaml } from '../io/emit-yaml.ts';
import { Loader } from '../io/loader.ts';
import { loadKustomization } from '../kustomization/load.ts';
import { type BuildLimits, LimitError, resolveLimits, withLimits } from '../limits/limits.ts';
import { isMap, type KObject } from '../model/types.ts';
import { withBuildSchema } from '../schema/merge-schema.ts';
import { emptyAccumulator } from './accumulator.ts';
import { generateHashedNames } from './hash-names.ts';
import { fixNameReferences } from './name-references.ts';
import { legacySort } from './order.ts';
import { accumulateTarget } from './target.ts';
import { resolveVars } from './vars.ts';

export type BuildOptions = {
  /** Nothing is read outside this directory (default: no limit beyond kustomize's own rules). */
  root?: string;
  /** Output order: kustomize's default `legacy` sort, or `none` to keep input order (`--reorder none`). */
  reorder?: 'legacy' | 'none';
  /**
   * The top directory's kustomization as an object, used instead of its kustomization file (which
   * may then be absent). For callers that compose a kustomization (Flux's generated one, or the
   * user's with settings added) without writing it to disk and having it parsed back.
   */
  kustomization?: Record<string, unknown>;
  /**
   * Contents by absolute real path, read instead of those files on disk and never put in the
   * parse cache: for callers that hold a changed file only in memory (decrypted secrets).
   */
  files?: ReadonlyMap<string, Buffer>;
  /**
   * kustomize's load restrictor: `rootOnly` (the default) reads a kustomization's files only from
   * its own directory; `none` lets it read files anywhere (a shared patch in `../patches/`),
   * still never outside `root`. Flux's kustomize-controller builds with `none` inside the source.
   */
  loadRestrictions?: 'rootOnly' | 'none';
  /**
   * Label every object `app.kubernetes.io/managed-by: kustomize-v5.8.2`, as kustomize's
   * `--enable-managedby-label` (and `buildMetadata: [managedByLabel]`) does.
   */
  addManagedByLabel?: boolean;
  /** Bounds on the build's size (bytes, objects, nesting, alias expansion); unset ones take the defaults. */
  limits?: Partial<BuildLimits>;
};

/**
 * Copies `v` with its keys sorted (the order kustomize prints), counting into `size.bytes` about
 * what its YAML will take: keys and scalars plus a few bytes of punctuation and indentation each.
 */
const sortKeys = (v: unknown, size: { bytes: number }): unknown => {
  if (Array.isArray(v)) {
    size.bytes += 4;
    return v.map((item) => sortKeys(item, size));
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      size.bytes += k.length + 4;
      out[k] = sortKeys((v as Record<string, unknown>)[k], size);
    }
    return out;
  }
  size.bytes += typeof v === 'string' ? v.length : 5;
  return v;
};

/**
 * kustomize prints every value of `metadata.annotations` as a string, including those patches
 * add (`value: 7` → "7"); values read from files are already strings here (their written text).
 */
const managedByKey = 'app.kubernetes.io/managed-by';
// The kustomize release whose output this reproduces: objects built by either tool carry the
// same label, so selecting or pruning by it treats them alike.
const managedByValue = 'kustomize-v5.8.2';

const annotationsAsStrings = (obj: KObject): void => {
  const meta = obj.metadata;
  const annotations = isMap(meta) ? meta.annotations : undefined;
  if (!isMap(annotations)) return;
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value === 'string') continue;
    annotations[key] =
      value === null || typeof value === 'object' ? (value === null ? 'null' : '') : String(value);
  }
};

/** Builds the kustomization in `dir` the way `kustomize build` does, returning the objects in output order. */
export const buildObjects = (dir: string, options: BuildOptions = {}): KObject[] =>
  withLimits(resolveLimits(options.limits), () => withBuildSchema(() => buildWithSchema(dir, options)));

const buildWithSchema = (dir: string, options: BuildOptions): KObject[] => {
  const loader = Loader.forRoot(
    dir,
    options.root,
    options.kustomization,
    options.files,
    options.loadRestrictions === 'none',
  );
  const top = loadKustomization(loader);
  const withOrigin = top.buildMetadata.includes('originAnnotations');
  const withTransformations = top.buildMetadata.includes('transformerAnnotations');
  const acc = accumulateTarget(
    loader,
    emptyAccumulator(),
    { withOrigin: withOrigin || withTransformations, withTransformations },
    'top',
  );
  generateHashedNames(acc.resources);
  fixNameReferences(acc.resources, acc.config.nameReference);
  resolveVars(acc.resources, acc.vars, acc.config.varReference);
  let resources = acc.resources.filter((r) => {
    const local = r.annotations()['config.kubernetes.io/local-config'];
    return local !== 'true' && local !== true;
  });
  const sort = top.sortOptions;
  if (sort !== undefined && sort.order !== 'legacy' && sort.order !== 'fifo') {
    throw new KustomizeError(
      sort.order === undefined
        ? 'sortOptions.order is missing: set it to legacy or fifo'
        : `sortOptions.order must be legacy or fifo, not '${sort.order}'`,
      top.file,
    );
  }
  if (sort?.order === 'fifo' && sort.legacySortOptions !== undefined) {
    throw new KustomizeError(
      "sortOptions.legacySortOptions is set but sortOptions.order is 'fifo', not 'legacy'; remove one",
      top.file,
    );
  }
  if (sort?.order === 'legacy' || (sort === undefined && options.reorder !== 'none')) {
    resources = legacySort(
      resources,
      sort?.legacySortOptions?.orderFirst,
      sort?.legacySortOptions?.orderLast,
    );
  }
  if (options.addManagedByLabel || top.buildMetadata.includes('managedByLabel')) {
    for (const r of resources) r.metadata.labels = { ...r.labels(), [managedByKey]: managedByValue };
  }
  // Strings are shared between objects (aliases, replacements), so the output can outgrow what
  // was read: it is judged on its own before a byte of it is written.
  const size = { bytes: 0 };
  const { maxBytes } = resolveLimits(options.limits);
  return resources.map((r) => {
    if (withOrigin && r.origin) {
      const meta = r.metadata;
      meta.annotations = { ...r.annotations(), 'config.kubernetes.io/origin': emitYaml(r.origin) };
    }
    if (withTransformations && r.transformations.length) {
      const meta = r.metadata;
      meta.annotations = {
        ...r.annotations(),
        'alpha.config.kubernetes.io/transformations': emitYaml(r.transformations),
      };
    }
    annotationsAsStrings(r.obj);
    const sorted = sortKeys(r.obj, size) as KObject;
    if (size.bytes > maxBytes)
      throw new LimitError(
        'maxBytes',
        `the build puts out about ${size.bytes} bytes of YAML so far`,
        top.file,
      );
    return sorted;
  });
};
