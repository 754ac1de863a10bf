import { contentHash } from '../generate/hash.ts';
import type { Resource } from '../model/resource.ts';

/** Appends the content hash to generated names, once, after every transformer ran. */
export const generateHashedNames = (resources: readonly Resource[]): void => {
  for (const res of resources) {
    if (!res.needsHash) continue;
    res.storePrevId();
    res.name = `${res.name}-${contentHash(res.obj)}`;
  }
};
