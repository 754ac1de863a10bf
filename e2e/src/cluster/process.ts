/**
 * A long-running child process of the harness: a control-plane component (etcd, apiserver, a
 * kubelet, …) or a test server's daemon (sshd, docker-registry, versitygw). Each one runs under
 * `setpriv --pdeathsig KILL`, so the kernel kills it when the process that started it dies,
 * however it dies (a failed test, a Ctrl-C, a SIGKILL): nothing outlives its owner. Those still
 * running at a normal exit are killed by an exit hook (with their process group when `group`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { sleep } from '../servers/process.ts';

export interface ProcessSpec {
  name: string;
  command: string;
  args: readonly string[];
  /** Where its output is appended; the last 64 KiB are also kept in memory (`output`). */
  logFile?: string;
  /** Added to this process's environment (or the whole environment with `replaceEnv`). */
  env?: Record<string, string>;
  replaceEnv?: boolean;
  cwd?: string;
  /** Its own process group, so that stopping it also stops whatever it forked (an sshd session). */
  group?: boolean;
}

/** Bounded: a chatty process must not grow the test process without limit. */
const keptOutput = 64 * 1024;

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // When a signal ends the process instead, pdeathsig takes the children down; no signal handler
  // here, so that a program's own graceful Ctrl-C handling stays in charge.
  // First of the exit hooks: the processes stop before their temporary directories are removed.
  process.prependListener('exit', () => {
    for (const managed of live) managed.kill('SIGKILL');
  });
}

export class ManagedProcess {
  readonly spec: ProcessSpec;
  #child: ChildProcess | undefined;
  #log: WriteStream | undefined;
  #output = '';
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

  /** The running child (its streams carry the output as it comes). */
  get child(): ChildProcess | undefined {
    return this.#child;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** True once a started process has exited (or could not start). */
  get hasExited(): boolean {
    return this.#child !== undefined && !this.running;
  }

  /** The last 64 KiB of its output since the first start. */
  get output(): string {
    return this.#output;
  }

  start(): this {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    installExitHook();
    this.#stopping = false;
    const { logFile } = this.spec;
    this.#log = logFile === undefined ? undefined : createWriteStream(logFile, { flags: 'a' });
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', this.spec.command, ...this.spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.spec.replaceEnv ? (this.spec.env ?? {}) : { ...process.env, ...this.spec.env },
      ...(this.spec.cwd === undefined ? {} : { cwd: this.spec.cwd }),
      detached: this.spec.group === true,
    });
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-keptOutput);
    };
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', keep);
      if (this.#log) stream?.pipe(this.#log, { end: false });
    }
    this.#child = child;
    live.add(this);
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(this);
        resolve(code);
        if (!this.#stopping) this.#reportCrash(`exited with ${code ?? signal}`);
      });
      child.once('error', (error) => {
        const note = `\n[weft-e2e] could not start ${this.spec.command}: ${error.message}\n`;
        keep(Buffer.from(note));
        this.#log?.write(note);
        live.delete(this);
        resolve(null);
        this.#reportCrash(`could not start: ${error.message}`);
      });
    });
    return this;
  }

  #reportCrash(what: string): void {
    void this.logTail().then((tail) =>
      this.#crash.resolve(
        `${this.spec.name} ${what}; last lines of ${this.spec.logFile ?? 'its output'}:\n${tail}`,
      ),
    );
  }

  /** Resolves when the process exits without being asked to; never when it is stopped. */
  crashed(): Promise<string> {
    return this.#crash.promise;
  }

  /** Signals the process, or its whole group when it has one. */
  kill(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      if (this.spec.group) process.kill(-pid, signal);
      else if (this.running) this.#child?.kill(signal);
    } catch {
      // Already gone.
    }
  }

  /** Resolves once its output matches `pattern`; rejects if it exits first or on timeout. */
  async waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.#output)) {
      if (this.hasExited) throw new Error(`${this.spec.name} exited before it was ready:\n${this.#output}`);
      if (Date.now() > deadline)
        throw new Error(`${this.spec.name} not ready after ${timeoutMs}ms:\n${this.#output}`);
      await sleep(20);
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.#child) return;
    if (this.running) {
      this.#stopping = true;
      this.kill('SIGTERM');
      const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
      await this.#exited;
      clearTimeout(timer);
    }
    // Children it forked share its group; make sure they go too.
    if (this.spec.group) this.kill('SIGKILL');
    const log = this.#log;
    this.#log = undefined;
    if (log) await new Promise<void>((resolve) => log.end(resolve));
  }

  /** The last lines of its log file, or of the kept output without one. */
  async logTail(lines = 25): Promise<string> {
    const { logFile } = this.spec;
    if (logFile === undefined) return this.#output.split('\n').slice(-lines).join('\n');
    const handle = await open(logFile, 'r').catch(() => undefined);
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
