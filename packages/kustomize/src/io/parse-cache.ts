import { deserialize, serialize } from 'node:v8';

/**
 * Parsed YAML by source text, least recently used first out.
 *
 * A controller builds the same files again and again: every Kustomization of a monorepo reads its
 * bases from the same artifact, and every interval rebuilds an unchanged revision. Parsing is by
 * far the dearest step of a build (about 1 ms per KB of YAML with the `yaml` package, and most of
 * the garbage), while a copy of the result costs a few per cent of that. Entries hold the result
 * in V8's serialisation format: compact (about the size of the text), off the JS heap, and every
 * read is a fresh, unshared tree the caller may edit.
 */
export class ParseCache {
  readonly #entries = new Map<string, Buffer>();
  readonly #maxBytes: number;
  #bytes = 0;
  #hits = 0;
  #misses = 0;

  /** `maxBytes` bounds texts plus their serialised results; 0 disables the cache. */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Reads answered from what was already there. */
  get hits(): number {
    return this.#hits;
  }

  /** Reads that had to do the work (fetch, or parse). */
  get misses(): number {
    return this.#misses;
  }

  /** Texts plus serialised results held (UTF-16 texts counted at 2 bytes a character). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The parsed documents of `text`, from the cache or from `parse` (whose errors are not cached). */
  parse<T>(text: string, parse: (text: string) => T): T {
    const hit = this.#entries.get(text);
    if (hit !== undefined) {
      this.#hits++;
      this.#entries.delete(text);
      this.#entries.set(text, hit);
      return deserialize(hit) as T;
    }
    this.#misses++;
    const docs = parse(text);
    // A text too big to share the cache with others is not worth evicting them for.
    if (text.length * 2 > this.#maxBytes / 4) return docs;
    const stored = serialize(docs);
    this.#entries.set(text, stored);
    this.#bytes += text.length * 2 + stored.length;
    for (const [key, value] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(key);
      this.#bytes -= key.length * 2 + value.length;
    }
    return docs;
  }
}
