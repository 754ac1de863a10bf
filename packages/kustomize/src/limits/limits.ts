import { KustomizeError } from '../errors.ts';

/**
 * How big a build may get. A kustomization is tenant input: without bounds, 600 bytes of nested
 * YAML aliases or a tree of bases that include each other nine times per level make a build
 * allocate until the process dies, and every other tenant of the controller with it.
 */
export type BuildLimits = {
  /** Bytes of any one file a build reads. */
  maxFileBytes: number;
  /**
   * Bytes a build takes in and puts out: every file read (each time it is read, so a base used
   * twice counts twice, and aliases count as what they expand to), and the built objects.
   */
  maxBytes: number;
  /** Objects a build loads or generates (a base included twice counts twice), and YAML documents in one file. */
  maxObjects: number;
  /** Nesting of maps and lists in any one document. */
  maxDepth: number;
  /** Nodes the aliases of one YAML file expand to (the "billion laughs" shape). */
  maxAliasNodes: number;
};

/** Room for large repositories (a 10 MB CRD bundle, ten thousand objects), not for runaway input. */
export const defaultLimits: Readonly<BuildLimits> = Object.freeze({
  maxFileBytes: 16 << 20,
  maxBytes: 64 << 20,
  maxObjects: 20_000,
  maxDepth: 200,
  maxAliasNodes: 100_000,
});

/** The command-line flag that raises each limit, named in errors. */
export const limitFlags: Readonly<Record<keyof BuildLimits, string>> = Object.freeze({
  maxFileBytes: '--max-file-bytes',
  maxBytes: '--max-bytes',
  maxObjects: '--max-objects',
  maxDepth: '--max-depth',
  maxAliasNodes: '--max-alias-nodes',
});

/** A build stopped by one of its limits; `limit` names it, so a caller can tell this from bad input. */
export class LimitError extends KustomizeError {
  readonly limit: keyof BuildLimits;
  constructor(limit: keyof BuildLimits, what: string, file?: string) {
    const value = activeLimits()[limit];
    super(
      `${what}, beyond the limit ${limit}=${value}; if this input is trusted, raise it (option limits.${limit}, flag ${limitFlags[limit]})`,
      file,
    );
    this.name = 'LimitError';
    this.limit = limit;
  }
}

/** What one build has used so far. */
type Budget = { limits: BuildLimits; bytes: number; objects: number };

// Builds are synchronous, so one slot holds the budget of the build in progress (as the merge
// schema does); outside a build (parseYamlDocuments called alone) the defaults apply per call.
let active: Budget | undefined;

export const activeLimits = (): BuildLimits => active?.limits ?? defaultLimits;

export const resolveLimits = (given: Partial<BuildLimits> | undefined): BuildLimits => {
  const limits = { ...defaultLimits };
  for (const [key, value] of Object.entries(given ?? {}) as [keyof BuildLimits, unknown][]) {
    if (!(key in defaultLimits)) throw new KustomizeError(`unknown build limit '${key}'`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value > 0))
      throw new KustomizeError(`build limit ${key} must be a positive number, not ${String(value)}`);
    limits[key] = value;
  }
  return limits;
};

/** Runs one build under `limits`, restoring the outer budget (if any) when it ends. */
export const withLimits = <T>(limits: BuildLimits, fn: () => T): T => {
  const saved = active;
  active = { limits, bytes: 0, objects: 0 };
  try {
    return fn();
  } finally {
    active = saved;
  }
};

/** Counts `bytes` of input (or output) against the build's budget. */
export const spendBytes = (bytes: number, file: string | undefined, what = 'the build reads'): void => {
  if (!active) return;
  active.bytes += bytes;
  if (active.bytes > active.limits.maxBytes)
    throw new LimitError('maxBytes', `${what} ${active.bytes} bytes in all`, file);
};

/** Counts `count` objects loaded or generated against the build's budget. */
export const spendObjects = (count: number, file: string | undefined): void => {
  if (!active) return;
  active.objects += count;
  if (active.objects > active.limits.maxObjects)
    throw new LimitError('maxObjects', `the build makes ${active.objects} objects so far`, file);
};
