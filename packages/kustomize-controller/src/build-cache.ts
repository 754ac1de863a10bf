/**
 * Builds remembered by what they are made of: the extraction directory of an artifact (read-only,
 * and never reused for other content: ArtifactCache names each extraction anew), `spec.path` and
 * the spec's build settings. The Kustomizations of one monorepo that differ only in their
 * postBuild variables (Flux's benchmark shape: one app per Kustomization) build the same objects;
 * so does each interval's rebuild of an unchanged revision. The build runs once, later ones get
 * a copy (the caller's substitution and labels change what it is given). Not used with
 * `spec.decryption`: decrypted values are not kept past their reconcile.
 */
import { type BuildSettings, buildSettingKeys } from './generate.ts';

/** One object of a build's output, as `@weft/kustomize` gives it. */
type Built = Record<string, unknown>;

export class BuildCache {
  readonly #entries = new Map<string, readonly Built[]>();
  readonly #maxEntries: number;
  #hits = 0;

  /** Most recently used last; the least recently used goes past `maxEntries`. */
  constructor(maxEntries = 16) {
    this.#maxEntries = Math.max(1, maxEntries);
  }

  static key(root: string, dir: string, settings: BuildSettings): string {
    return JSON.stringify([root, dir, ...buildSettingKeys.map((key) => settings[key] ?? null)]);
  }

  /** A copy of the remembered build, or undefined. */
  get(key: string): Built[] | undefined {
    const objects = this.#entries.get(key);
    if (objects === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, objects);
    this.#hits++;
    return structuredClone(objects) as Built[];
  }

  /** Remembers a build (a copy: the caller goes on changing its objects). */
  set(key: string, objects: readonly Built[]): void {
    this.#entries.delete(key);
    this.#entries.set(key, structuredClone(objects));
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** Builds answered from memory. */
  get hits(): number {
    return this.#hits;
  }

  get size(): number {
    return this.#entries.size;
  }
}
