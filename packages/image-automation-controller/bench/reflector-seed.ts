/**
 * The reflector bench's registry content: `count` repositories of the same `tags`. One repository
 * is pushed through the registry's API (the real path, manifests and all); the others are
 * symbolic links to its directory in the registry's filesystem storage. A repository there holds
 * only link files (tag → manifest digest, layer and revision links) and the blobs they point at
 * are shared by the whole registry, so the registry serves each link like a pushed repository:
 * the same tag list, manifests and digests. 1,000 × 50 tags pushed through the API are 50,000
 * manifest PUTs, each a handful of files on a filesystem this machine makes slow (copying the
 * directory instead took 0.5 s per repository at load 24); the links take milliseconds. Setup,
 * not what the bench measures, and CPU every engineer on the machine pays.
 */
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { OciRegistry } from '@weft/e2e';
import { RegistryClient } from '@weft/oci';
import { pushTags } from '../test/reflector-helpers.ts';

/** Repositories `<prefix>-0` … `<prefix>-<count-1>`, each with `tags`; their names. */
export async function seedRepositories(
  registry: OciRegistry,
  prefix: string,
  count: number,
  tags: readonly string[],
): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const [first, ...rest] = names;
  if (first === undefined) return names;
  const publisher = new RegistryClient({ registry: registry.host, insecure: true });
  try {
    await pushTags(publisher, first, tags, 8);
  } finally {
    publisher.close();
  }
  const repositories = join(registry.storageRoot, 'docker', 'registry', 'v2', 'repositories');
  // Relative to the link's own directory: `<prefix>-i → <prefix>-0` beside it.
  const target = first.split('/').at(-1) ?? first;
  for (const name of rest) await symlink(target, join(repositories, name), 'dir');
  return names;
}
