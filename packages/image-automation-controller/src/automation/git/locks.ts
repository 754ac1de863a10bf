/**
 * One holder at a time per key, in this process, in the order asked: used for push branches
 * (automations of one branch would reject each other's pushes and redo their work) and for
 * checkouts (one work tree cannot serve two runs at once).
 */
export class KeyedLocks {
  readonly #tails = new Map<string, Promise<void>>();

  async run<R>(key: string, work: () => Promise<R>): Promise<R> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release = () => {};
    const tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chained = previous.then(() => tail);
    this.#tails.set(key, chained);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.#tails.get(key) === chained) this.#tails.delete(key);
    }
  }
}
