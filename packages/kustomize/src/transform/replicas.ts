import { KustomizeError } from '../errors.ts';
import type { FieldSpec, Replica } from '../kustomization/types.ts';
import type { Resource } from '../model/resource.ts';
import { updateScalars } from './field-setters.ts';

export const applyReplicas = (
  resources: Resource[],
  replicas: readonly Replica[],
  specs: readonly FieldSpec[],
  file: string,
): void => {
  for (const r of replicas) {
    if (!Number.isInteger(r.count))
      throw new KustomizeError(`replicas '${r.name}': count must be an integer`, file);
    const matching = resources.filter((res) => res.allIds().some((id) => id.name === r.name));
    for (const res of matching) updateScalars(res, specs, () => r.count);
  }
};
