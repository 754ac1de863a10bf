/** Runs the `weft` executable as a user would, and returns its exit code and output. */
import { execFile } from 'node:child_process';
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
