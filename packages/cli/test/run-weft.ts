/** Runs the `weft` executable as a user would, and returns its exit code and output. */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '..', 'bin', 'weft.js');

export interface WeftResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function weft(
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<WeftResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, NO_COLOR: '1', ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Starts `weft` and hands back its output as it comes, for a test that must act mid-run. */
export function startWeft(
  args: string[],
  options: { env?: Record<string, string> } = {},
): { stdout: () => string; result: Promise<WeftResult> } {
  let stdout = '';
  let stderr = '';
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const result = new Promise<WeftResult>((resolve) => {
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
  return { stdout: () => stdout, result };
}
