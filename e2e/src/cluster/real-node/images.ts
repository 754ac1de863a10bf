/**
 * The images a real node has without pulling: the sandbox (pause) image, built at setup by
 * `@weft/image` from the static program of e2e/toolchain/pause into an OCI archive, and imported
 * into containerd when the node starts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, pinnedVersions } from '../../toolchain.ts';

/** Where `e2e/run setup` puts built images: OCI image layouts (and archives of them). */
export function imagesDir(): string {
  return join(cacheDir(), 'images');
}

export interface LocalImage {
  /** The name containerd knows it by. */
  reference: string;
  /** An OCI image layout archive (`ctr images import` reads it). */
  archive: string;
}

export function pauseImageReference(): string {
  return `weft.local/weft/pause:${pinnedVersions().PAUSE_VERSION}`;
}

export function pauseImageArchive(): string {
  return join(imagesDir(), `pause-${pinnedVersions().PAUSE_VERSION}.oci.tar`);
}

export function pauseImage(): LocalImage {
  const archive = pauseImageArchive();
  if (!existsSync(archive)) {
    throw new Error(`the pause image is not built yet (${archive}); run e2e/run setup`);
  }
  return { reference: pauseImageReference(), archive };
}
