/**
 * The long-running renderer (`--helm-renderer-path`, the Go program in `renderer/`): Helm's own
 * install action, client-side only, as `helm template` runs it, in one process the controller
 * starts on the first render and keeps, instead of one `helm template` process per release.
 *
 * Requests and answers are frames (a 4-byte big-endian length, then JSON) on its stdin and
 * stdout, matched by id, so renders of different releases overlap. If the process dies, the
 * renders in flight fail with an error saying so and the next render starts a new one; a render
 * past its deadline ends the process (a runaway template cannot be stopped any other way).
 *
 * Renders happen at installs and upgrades only (a release that is up to date needs none), so the
 * process is ended once it has been idle for `idleMs` (its ~40 MiB are not held between changes)
 * and started again by the next render, which costs that render the process start (~30 ms).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { HelmCommandError, helmErrorLine, helmProcessEnv } from './cli.ts';

export interface HelmRendererOptions {
  /** Path of the renderer binary (`--helm-renderer-path`). */
  binary: string;
  /** The HELM_* home (its `data/plugins` holds the post-renderer plugin). */
  home: string;
  /** Renders the process runs at once (the controller's `--concurrent`). */
  parallel: number;
  /** GOMEMLIMIT of the process: above it Go collects harder rather than grow. */
  memoryLimit?: string;
  /** End the process after this long without a render in flight (default 30 s; 0: keep it). */
  idleMs?: number;
}

/** What `helm template` is given, one field per flag. */
export interface TemplateRequest {
  releaseName: string;
  namespace: string;
  chartPath: string;
  /** `--values -`: YAML or JSON. */
  values: string;
  kubeVersion: string;
  apiVersions: readonly string[];
  isUpgrade: boolean;
  skipSchemaValidation: boolean;
  /** `--post-renderer <plugin> --post-renderer-args <args…>`. */
  postRenderer?: { plugin: string; args: readonly string[] } | undefined;
}

/** `output` is `helm template`'s stdout; `notes` the release's NOTES.txt; `hooks` how many hooks. */
export interface TemplateResult {
  output: string;
  notes: string;
  hooks: number;
}

interface Answer {
  id: number;
  output?: string;
  notes?: string;
  hooks?: number;
  error?: string;
}

interface Pending {
  resolve(result: TemplateResult): void;
  reject(error: Error): void;
}

interface Running {
  child: ChildProcess;
  pending: Map<number, Pending>;
  stderr: string[];
  /** Ends the process once no render is in flight for idleMs. */
  idle?: ReturnType<typeof setTimeout> | undefined;
}

/** Go's default GC target; the limit makes a large chart collect rather than grow. */
const defaultMemoryLimit = '128MiB';
const defaultIdleMs = 30_000;
const maxFrameBytes = 256 * 1024 * 1024;

/** What a dying Go process said first (`fatal error: …`, `panic: …`), else its last line. */
function crashLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const line = lines.find((l) => /^(fatal error|panic|weft-helm-renderer):/.test(l)) ?? lines.at(-1) ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

export class HelmRenderer {
  readonly #options: HelmRendererOptions;
  #running: Running | undefined;
  #nextId = 1;
  #closed = false;
  /** Renders asked for (tests and benchmarks). */
  renders = 0;
  /** Processes started (1 + restarts after a crash or an idle stop). */
  starts = 0;

  constructor(options: HelmRendererOptions) {
    this.#options = options;
  }

  /** The renderer's process, when running (the benchmark adds its memory to the controller's). */
  get pids(): number[] {
    const pid = this.#running?.child.pid;
    return pid === undefined ? [] : [pid];
  }

  render(
    request: TemplateRequest,
    options: { timeoutMs: number; signal?: AbortSignal | undefined },
  ): Promise<TemplateResult> {
    if (this.#closed) return Promise.reject(new HelmCommandError('the helm renderer is stopped', null, ''));
    options.signal?.throwIfAborted();
    this.renders++;
    const running = this.#running ?? this.#start();
    clearTimeout(running.idle);
    running.idle = undefined;
    const id = this.#nextId++;
    return new Promise<TemplateResult>((resolve, reject) => {
      const abort = () => settle(() => reject(options.signal?.reason ?? new Error('aborted')));
      const timer = setTimeout(() => {
        settle(() =>
          reject(
            new HelmCommandError(
              `rendering release '${request.releaseName}' took over ${options.timeoutMs / 1000}s; the renderer was restarted`,
              null,
              '',
            ),
          ),
        );
        // The next render starts a new process; this one's other renders fail when it exits.
        if (this.#running === running) this.#running = undefined;
        running.child.kill('SIGKILL');
      }, options.timeoutMs);
      const settle = (done: () => void) => {
        if (!running.pending.delete(id)) return;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', abort);
        if (running.pending.size === 0) this.#idleStop(running);
        done();
      };
      running.pending.set(id, {
        resolve: (result) => settle(() => resolve(result)),
        reject: (error) => settle(() => reject(error)),
      });
      options.signal?.addEventListener('abort', abort, { once: true });
      const body = Buffer.from(JSON.stringify({ id, ...request }));
      const header = Buffer.alloc(4);
      header.writeUInt32BE(body.length);
      running.child.stdin?.write(Buffer.concat([header, body]));
    });
  }

  /** Schedules the end of an idle process: its stdin closes, and it exits (main.go). */
  #idleStop(running: Running): void {
    const idleMs = this.#options.idleMs ?? defaultIdleMs;
    if (idleMs <= 0 || this.#running !== running) return;
    clearTimeout(running.idle);
    running.idle = setTimeout(() => {
      if (this.#running !== running || running.pending.size > 0) return;
      this.#running = undefined;
      running.child.stdin?.end();
    }, idleMs);
    running.idle.unref?.();
  }

  /** Ends the process (at shutdown); renders in flight fail. */
  close(): void {
    this.#closed = true;
    this.#running?.child.stdin?.end();
    this.#running?.child.kill('SIGTERM');
  }

  #start(): Running {
    this.starts++;
    const child = spawn(this.#options.binary, [`-parallel=${this.#options.parallel}`], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...helmProcessEnv(this.#options.home),
        GOMEMLIMIT: this.#options.memoryLimit ?? defaultMemoryLimit,
      },
    });
    const running: Running = { child, pending: new Map(), stderr: [] };
    this.#running = running;
    const fail = (why: string) => {
      clearTimeout(running.idle);
      if (this.#running === running) this.#running = undefined;
      const tail = crashLine(running.stderr.join(''));
      const error = new HelmCommandError(
        `the helm renderer ${why}${tail ? `: ${tail}` : ''}; renders in flight failed and the next one starts it again`,
        null,
        running.stderr.join(''),
      );
      for (const pending of [...running.pending.values()]) pending.reject(error);
    };
    child.on('error', (error) => {
      fail(`could not run (${this.#options.binary}: ${error.message})`);
    });
    child.on('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`})`));
    child.stdin?.on('error', () => undefined);
    child.stderr?.on('data', (chunk: Buffer) => {
      running.stderr.push(chunk.toString('utf8'));
      while (running.stderr.length > 32) running.stderr.shift();
    });
    let buffered: Buffer = Buffer.alloc(0);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const size = buffered.readUInt32BE(0);
        if (size > maxFrameBytes) {
          if (this.#running === running) this.#running = undefined;
          child.kill('SIGKILL');
          return;
        }
        if (buffered.length < 4 + size) break;
        let answer: Answer;
        try {
          answer = JSON.parse(buffered.subarray(4, 4 + size).toString('utf8')) as Answer;
        } catch {
          // Not the protocol: end the process (its renders fail), never the controller.
          if (this.#running === running) this.#running = undefined;
          child.kill('SIGKILL');
          return;
        }
        buffered = buffered.subarray(4 + size);
        const pending = running.pending.get(answer.id);
        if (!pending) continue;
        if (answer.error !== undefined)
          pending.reject(new HelmCommandError(helmErrorLine(`Error: ${answer.error}\n`, 1), 1, answer.error));
        else
          pending.resolve({
            output: answer.output ?? '',
            notes: answer.notes ?? '',
            hooks: answer.hooks ?? 0,
          });
      }
    });
    return running;
  }
}
