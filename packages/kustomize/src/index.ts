import { type BuildOptions, buildObjects } from './build/build.ts';
import { stringifyObjects, writeObjects } from './io/yaml.ts';
import type { KObject } from './model/types.ts';

export type { BuildOptions } from './build/build.ts';
export { KustomizeError } from './errors.ts';
export { parseCacheStats, parseYamlDocuments } from './io/yaml.ts';
export type { Selector } from './kustomization/types.ts';
export { type BuildLimits, defaultLimits, LimitError } from './limits/limits.ts';
export type { KObject } from './model/types.ts';
export { objectMatchesSelector } from './patch/selector.ts';

/**
 * Builds the kustomization in `dir` like `kustomize build`: plain objects in output order.
 * Synchronous: a build reads local files only and runs to its end (or its limits) on the
 * calling thread.
 */
export const build = (dir: string, options: BuildOptions = {}): KObject[] => buildObjects(dir, options);

/** Like `build`, but returns the multi-document YAML `kustomize build` prints. */
export const buildYaml = (dir: string, options: BuildOptions = {}): string =>
  stringifyObjects(buildObjects(dir, options));

/**
 * Like `buildYaml`, but hands the text to `write` in chunks as it is produced (what the
 * command does with stdout), so the whole output is never held at once.
 */
export const writeBuildYaml = (
  dir: string,
  write: (text: string) => void,
  options: BuildOptions = {},
): void => writeObjects(buildObjects(dir, options), write);
