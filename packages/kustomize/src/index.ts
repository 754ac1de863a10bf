import { type BuildOptions, buildObjects } from './build/build.ts';
import { stringifyObjects } from './io/yaml.ts';
import type { KObject } from './model/types.ts';

export type { BuildOptions } from './build/build.ts';
export { KustomizeError } from './errors.ts';
export type { KObject } from './model/types.ts';

/** Builds the kustomization in `dir` like `kustomize build`: plain objects in output order. */
export const build = async (dir: string, options: BuildOptions = {}): Promise<KObject[]> =>
  buildObjects(dir, options);

/** Like `build`, but returns the multi-document YAML `kustomize build` prints. */
export const buildYaml = async (dir: string, options: BuildOptions = {}): Promise<string> =>
  stringifyObjects(buildObjects(dir, options));

/** Synchronous form of `build`, for callers that cannot await. */
export const buildSync = (dir: string, options: BuildOptions = {}): KObject[] => buildObjects(dir, options);
