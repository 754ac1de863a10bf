import { ArtifactError } from '../errors.ts';

/** The object an artifact belongs to. */
export interface ArtifactRef {
  /** The kind, e.g. `GitRepository`; lowercased in paths. */
  kind: string;
  namespace: string;
  name: string;
}

// Kubernetes' own rules for these fields; they also keep `/`, `..` and NUL out of paths.
const kindPattern = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
const namespacePattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const namePattern = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** `<kind>/<namespace>/<name>`, the object's directory relative to the storage root. */
export function objectDirectory(ref: ArtifactRef): string {
  const checks: [string, string, RegExp][] = [
    ['kind', ref.kind, kindPattern],
    ['namespace', ref.namespace, namespacePattern],
    ['name', ref.name, namePattern],
  ];
  for (const [field, value, pattern] of checks) {
    if (!pattern.test(value)) {
      throw new ArtifactError(
        'InvalidReference',
        `invalid ${field} "${value}" for artifact storage: want a Kubernetes ${field}`,
        { details: { field, value } },
      );
    }
  }
  return `${ref.kind.toLowerCase()}/${ref.namespace}/${ref.name}`;
}
