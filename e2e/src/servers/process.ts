/**
 * Child processes for the test servers: run a command to completion, or start a long-running
 * daemon in its own process group so that stopping it also stops whatever it forked. A daemon
 * runs under `setpriv --pdeathsig KILL`, so the kernel kills it when this process dies, however
 * it dies (even SIGKILL); daemons still running at a normal exit are killed by the exit hook.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class CommandError extends Error {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(command: string, exitCode: number | null, stderr: string) {
    super(`${command} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim() || '(no stderr)'}`);
    this.name = 'CommandError';
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Uint8Array;
}

/** Runs a command to completion and returns its stdout; throws a {@link CommandError} on failure. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const describe = [command, ...args].join(' ');
      if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else reject(new CommandError(describe, code, Buffer.concat(stderr).toString('utf8')));
    });
    child.stdin.on('error', () => {
      // The command may exit before reading all its input; its exit status tells what happened.
    });
    child.stdin.end(options.input);
  });
}

const liveDaemons = new Set<ChildProcess>();
const liveTempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const child of liveDaemons) killGroup(child, 'SIGKILL');
    for (const dir of liveTempDirs) rmSync(dir, { recursive: true, force: true });
  };
  // When a signal ends the process instead, pdeathsig (see Daemon) takes the daemons down; no
  // signal handler here, so that a program's own graceful Ctrl-C handling stays in charge.
  process.on('exit', killAll);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** A long-running child process in its own process group, with its output kept for error messages. */
export class Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  #output = '';
  #exited: Promise<void>;
  #hasExited = false;

  constructor(name: string, command: string, args: readonly string[], options: RunOptions = {}) {
    installExitHook();
    this.name = name;
    this.child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    liveDaemons.add(this.child);
    const keep = (chunk: Buffer) => {
      // Bounded: a chatty daemon must not grow the test process without limit.
      this.#output = (this.#output + chunk.toString('utf8')).slice(-64 * 1024);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.#exited = new Promise((resolve) => {
      const done = () => {
        this.#hasExited = true;
        liveDaemons.delete(this.child);
        resolve();
      };
      this.child.on('exit', done);
      this.child.on('error', (error) => {
        keep(Buffer.from(`spawn error: ${error.message}\n`));
        done();
      });
    });
  }

  get output(): string {
    return this.#output;
  }

  get hasExited(): boolean {
    return this.#hasExited;
  }

  /** Resolves once the daemon's output matches `pattern`; rejects if it exits first or on timeout. */
  async waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.#output)) {
      if (this.#hasExited) throw new Error(`${this.name} exited before it was ready:\n${this.#output}`);
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready after ${timeoutMs}ms:\n${this.#output}`);
      await sleep(20);
    }
  }

  /** Stops the whole process group: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.#hasExited) {
      killGroup(this.child, 'SIGKILL');
      return;
    }
    killGroup(this.child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
    // Children the daemon forked (an sshd session, say) share its group; make sure they go too.
    killGroup(this.child, 'SIGKILL');
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A new directory under the OS temp dir; removed by {@link removeDir}, or at the latest when the process ends. */
export async function makeTempDir(prefix: string): Promise<string> {
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), `weft-${prefix}-`));
  liveTempDirs.add(dir);
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  liveTempDirs.delete(dir);
}
