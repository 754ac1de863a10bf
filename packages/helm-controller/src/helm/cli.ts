/**
 * Runs the helm binary: one process per action, with its own HELM_* directories (nothing read
 * from or written to the controller's home), the controller's kubeconfig, a deadline, and the
 * output kept to a bounded tail. Processes still running when the controller stops are ended.
 */
import { spawn } from 'node:child_process';

export interface HelmCliOptions {
  /** Path of the helm binary (`--helm-binary`). */
  binary: string;
  /** Kubeconfig file for helm (`helmConnection`: the controller's own cluster). */
  kubeconfigPath?: string | undefined;
  /** KUBECONFIG list for helm when the controller's config came from it. */
  kubeconfigEnv?: string | undefined;
  /** Directory for HELM_CACHE_HOME, HELM_CONFIG_HOME and HELM_DATA_HOME. */
  home: string;
}

export interface HelmRunResult {
  stdout: string;
  stderr: string;
}

/** A helm command that failed: `message` is helm's own error line, what a user needs. */
export class HelmCommandError extends Error {
  override name = 'HelmCommandError';
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(message: string, exitCode: number | null, stderr: string) {
    super(message);
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

const maxOutputBytes = 4 * 1024 * 1024;

/** The heap a `helm template` may grow to before Go's GC runs (renderOnly). */
const renderMemoryLimit = '96MiB';

export class HelmCli {
  readonly #options: HelmCliOptions;
  readonly #running = new Set<ReturnType<typeof spawn>>();
  /** helm processes started, by subcommand (`template`, `install`, …): for tests and benchmarks. */
  readonly runs = new Map<string, number>();
  /** The same by subcommand and release (`install app`): what a test can count despite retries. */
  readonly releaseRuns = new Map<string, number>();

  constructor(options: HelmCliOptions) {
    this.#options = options;
  }

  /** Processes running now (the benchmark adds their memory to the controller's). */
  get pids(): number[] {
    return [...this.#running].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  async run(
    args: readonly string[],
    options: {
      timeoutMs: number;
      signal?: AbortSignal | undefined;
      stdin?: string;
      /** false: no kubeconfig (`helm template` never connects); a path: that cluster's. */
      kubeconfig?: false | string | undefined;
      /**
       * A short render (`helm template`): Go's GC off up to a memory limit. Measured on the
       * benchmark's chart: a third less CPU per render (0.043 s against 0.067 s) at the same
       * peak RSS (50 against 48 MiB); the limit bounds what a large chart may take.
       */
      renderOnly?: boolean;
    },
  ): Promise<HelmRunResult> {
    const kubeconfig = options.kubeconfig === undefined ? this.#options.kubeconfigPath : options.kubeconfig;
    const kube = kubeconfig ? ['--kubeconfig', kubeconfig] : [];
    const home = this.#options.home;
    this.runs.set(args[0] ?? '', (this.runs.get(args[0] ?? '') ?? 0) + 1);
    const releaseKey = `${args[0]} ${args[1]}`;
    this.releaseRuns.set(releaseKey, (this.releaseRuns.get(releaseKey) ?? 0) + 1);
    const child = spawn(this.#options.binary, [...args, ...kube], {
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: {
        ...helmProcessEnv(home),
        ...(options.kubeconfig === undefined && this.#options.kubeconfigEnv
          ? { KUBECONFIG: this.#options.kubeconfigEnv }
          : {}),
        // Go's GC: return memory early, so many concurrent actions (and their waits) stay small;
        // a render is over before a collection would return anything.
        ...(options.renderOnly ? { GOGC: 'off', GOMEMLIMIT: renderMemoryLimit } : { GOGC: '50' }),
      },
    });
    this.#running.add(child);
    // Values go through stdin (`--values -`): decrypted values never touch the disk.
    if (options.stdin !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.stdin);
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutSize = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutSize += chunk.length;
      if (stdoutSize <= maxOutputBytes) stdout.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      while (stderr.length > 64) stderr.shift();
    });
    // helm enforces --timeout itself; this deadline only catches a hung process.
    const kill = () => child.kill('SIGTERM');
    const timer = setTimeout(kill, options.timeoutMs + 30_000);
    options.signal?.addEventListener('abort', kill, { once: true });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    }).finally(() => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      this.#running.delete(child);
    });
    const result = {
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
    };
    if (code !== 0) throw new HelmCommandError(helmErrorLine(result.stderr, code), code, result.stderr);
    return result;
  }

  /** Ends every running helm process (at shutdown). */
  killAll(): void {
    for (const child of this.#running) child.kill('SIGTERM');
  }
}

/** The environment of every Helm process: its own HELM_* directories, nothing of the controller's. */
export function helmProcessEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: `${home}/cache`,
    HELM_CONFIG_HOME: `${home}/config`,
    HELM_DATA_HOME: `${home}/data`,
  };
}

/** Helm prints `Error: <what>` as its last error line; that line, without the prefix. */
export function helmErrorLine(stderr: string, code: number | null): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const error = [...lines].reverse().find((line) => line.startsWith('Error:'));
  const text = (error ?? lines.at(-1) ?? `helm exited with code ${code}`).replace(/^Error:\s*/, '');
  return text.length > 900 ? `${text.slice(0, 900)}…` : text;
}
