/**
 * Flux's rate limit: the same event (same object, severity, reason, message and revision) sent
 * through the same Alert within `windowMs` goes out once. A bounded map, oldest first out.
 */
import type { WeftEvent } from '../event/event.ts';

export class RateLimiter {
  readonly #windowMs: number;
  readonly #capacity: number;
  readonly #lastSent = new Map<string, number>();

  constructor(windowMs: number, capacity = 65_536) {
    this.#windowMs = windowMs;
    this.#capacity = capacity;
  }

  static key(alertUid: string, event: WeftEvent): string {
    const o = event.involvedObject;
    return JSON.stringify([
      alertUid,
      o.apiVersion,
      o.kind,
      o.namespace,
      o.name,
      event.severity,
      event.reason,
      event.message,
      event.metadata.revision ?? '',
    ]);
  }

  /** Whether `key` was sent less than the window ago. */
  limited(key: string, now: number): boolean {
    if (this.#windowMs <= 0) return false;
    const last = this.#lastSent.get(key);
    return last !== undefined && now - last < this.#windowMs;
  }

  /** Records a send at `now`. */
  sent(key: string, now: number): void {
    this.#lastSent.delete(key);
    this.#lastSent.set(key, now);
    while (this.#lastSent.size > this.#capacity) {
      const oldest = this.#lastSent.keys().next();
      if (oldest.done) break;
      this.#lastSent.delete(oldest.value);
    }
  }
}
