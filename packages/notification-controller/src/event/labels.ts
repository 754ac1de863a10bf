/**
 * Labels of the objects events are about, for `eventSources[].matchLabels`: read with GET and
 * kept for a short time, so a burst of events about one object costs one request.
 */
import type { Client } from '@weft/runtime/client';
import type { InvolvedObject } from './event.ts';

interface Entry {
  at: number;
  labels: Promise<Record<string, string> | undefined>;
}

export class LabelCache {
  readonly #client: Pick<Client, 'find'>;
  readonly #ttlMs: number;
  readonly #capacity: number;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(
    client: Pick<Client, 'find'>,
    options: { ttlMs?: number; capacity?: number; now?: () => number } = {},
  ) {
    this.#client = client;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#capacity = options.capacity ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  readonly lookup = (obj: InvolvedObject): Promise<Record<string, string> | undefined> => {
    const key = `${obj.apiVersion}/${obj.kind}/${obj.namespace}/${obj.name}`;
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < this.#ttlMs) return hit.labels;
    const labels = this.#client
      .find({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.namespace, name: obj.name })
      .then((found) => (found ? (found.metadata.labels ?? {}) : undefined));
    // A failed read is not cached: the next event asks again.
    labels.catch(() => this.#entries.delete(key));
    this.#entries.delete(key);
    this.#entries.set(key, { at: now, labels });
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    return labels;
  };
}
