/**
 * A component process of the control plane. Each one runs under `setpriv --pdeathsig KILL`, so
 * the kernel kills it when the process that started it dies, however it dies (a failed test, a
 * Ctrl-C, a SIGKILL): no etcd or apiserver outlives its owner.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: Record<string, string>;
}

export class ManagedProcess {
  readonly spec: ProcessSpec;
  #child: ChildProcess | undefined;
  #log: WriteStream | undefined;
  #exited: Promise<number | null> = Promise.resolve(null);
  #stopping = false;
  // Settles on the first exit that nobody asked for, across restarts; stays pending otherwise.
  readonly #crash = Promise.withResolvers<string>();

  constructor(spec: ProcessSpec) {
    this.spec = spec;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    this.#stopping = false;
    this.#log = createWriteStream(this.spec.logFile, { flags: 'a' });
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', this.spec.command, ...this.spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.spec.env },
    });
    child.stdout?.pipe(this.#log, { end: false });
    child.stderr?.pipe(this.#log, { end: false });
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve(code);
        if (!this.#stopping) this.#reportCrash(`exited with ${code ?? signal}`);
      });
      child.once('error', (error) => {
        this.#log?.write(`\n[weft-e2e] could not start ${this.spec.command}: ${error.message}\n`);
        resolve(null);
        this.#reportCrash(`could not start: ${error.message}`);
      });
    });
  }

  #reportCrash(what: string): void {
    void this.logTail().then((tail) =>
      this.#crash.resolve(`${this.spec.name} ${what}; last lines of ${this.spec.logFile}:\n${tail}`),
    );
  }

  /** Resolves when the process exits without being asked to; never when it is stopped. */
  crashed(): Promise<string> {
    return this.#crash.promise;
  }

  async stop(graceMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    this.#stopping = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
    await new Promise<void>((resolve) => (this.#log ? this.#log.end(resolve) : resolve()));
  }

  async logTail(lines = 25): Promise<string> {
    const handle = await open(this.spec.logFile, 'r').catch(() => undefined);
    if (!handle) return '(no log)';
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 16_384);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8').split('\n').slice(-lines).join('\n');
    } finally {
      await handle.close();
    }
  }
}
