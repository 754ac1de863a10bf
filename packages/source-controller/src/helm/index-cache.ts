/**
 * Parsed repository indexes by artifact digest: every HelmChart of one HelmRepository reads the
 * same index, so it is downloaded and parsed once per index revision, not once per chart.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Artifact } from '@weft/api';
import { fetchArtifact } from '@weft/artifact';
import { type HelmIndex, parseIndex } from './index-file.ts';

export class IndexCache {
  readonly #entries = new Map<string, Promise<HelmIndex>>();
  readonly #capacity: number;

  constructor(capacity = 8) {
    this.#capacity = capacity;
  }

  get(artifact: Artifact): Promise<HelmIndex> {
    const cached = this.#entries.get(artifact.digest);
    if (cached) {
      // Most recently used last.
      this.#entries.delete(artifact.digest);
      this.#entries.set(artifact.digest, cached);
      return cached;
    }
    const loading = load(artifact);
    this.#entries.set(artifact.digest, loading);
    loading.catch(() => this.#entries.delete(artifact.digest));
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return loading;
  }
}

async function load(artifact: Artifact): Promise<HelmIndex> {
  const work = await mkdtemp(join(tmpdir(), 'weft-helmindex-'));
  try {
    const dir = join(work, 'index');
    await fetchArtifact({ url: artifact.url, digest: artifact.digest, dir, maxFiles: 4 });
    return parseIndex(await readFile(join(dir, 'index.yaml'), 'utf8'));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
