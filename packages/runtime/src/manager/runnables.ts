/**
 * The work a controller runs beside its reconcilers (an artifact server, a webhook receiver, an
 * event dispatcher), kept by the manager: started in the order added, each in its phase (from
 * `start()` on, or once this process leads), and stopped last first.
 */
import type { Logger } from '../log/logger.ts';

/**
 * Work a controller runs beside its reconcilers, started and stopped by the manager: a server,
 * a dispatcher. `stop` gets the time left to drain and resolves false when that was not enough.
 */
export interface Runnable {
  /** Names it in logs. */
  readonly name: string;
  /** Runs only while this process leads (default true); else from `start()` on, standbys too. */
  readonly leaderOnly?: boolean;
  start(signal: AbortSignal): Promise<void> | void;
  // biome-ignore lint/suspicious/noConfusingVoidType: a runnable with nothing to drain returns nothing.
  stop(deadlineMs: number): Promise<boolean | void> | boolean | void;
}

export class Runnables {
  readonly #added: Runnable[] = [];
  readonly #started: Runnable[] = [];

  add(runnable: Runnable): void {
    this.#added.push(runnable);
  }

  /** Starts the leader-only ones or the others, in the order added, while `running()` holds. */
  async start(leaderOnly: boolean, signal: AbortSignal, running: () => boolean): Promise<void> {
    for (const runnable of this.#added) {
      if ((runnable.leaderOnly ?? true) !== leaderOnly || !running()) continue;
      await runnable.start(signal);
      this.#started.push(runnable);
    }
  }

  /** Stops the started ones, last first; each resolves to whether it drained within the deadline. */
  stop(deadlineMs: number, logger: Logger): Promise<boolean>[] {
    return this.#started
      .splice(0)
      .reverse()
      .map(async (runnable) => {
        try {
          return (await runnable.stop(deadlineMs)) !== false;
        } catch (error) {
          logger.warn({ err: error, runnable: runnable.name }, 'failed to stop');
          return false;
        }
      });
  }
}
