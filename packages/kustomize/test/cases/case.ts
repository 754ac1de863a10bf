/**
 * One differential scenario: the files of a directory tree and the directory to build in it.
 * The expected output is whatever the pinned kustomize binary builds from the same files.
 */
export type Scenario = {
  name: string;
  files: Record<string, string | Buffer>;
  /** The directory to build, relative to the tree (default: its top). */
  build?: string;
  /** The binary must build it (a case meant to show a behaviour, not an error). */
  mustBuild?: boolean;
  /** `--reorder` for both builds; unset passes no flag (each tool's default). */
  reorder?: 'legacy' | 'none';
  /** `none`: both builds may read files outside a kustomization's directory (`--load-restrictor LoadRestrictionsNone`). */
  loadRestrictions?: 'none';
  /** Both builds label every object as kustomize's `--enable-managedby-label` does. */
  managedByLabel?: boolean;
  /**
   * The binary must fail, and our error must match this: the words that name the cause (the
   * file, the object, the field), since the two tools word their messages differently.
   */
  error?: RegExp;
};

/** A Kubernetes object of `kind` named `name`, with `body` (YAML, indented as top-level fields) after its metadata. */
export const obj = (apiVersion: string, kind: string, name: string, body = ''): string =>
  `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n${body}`;
