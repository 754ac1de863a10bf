/**
 * The benchmark's git server, in its own process so that the benchmark's memory and CPU
 * figures are the controller's alone. Creates the repository, prints `{"url": …}` as one line,
 * and stops when its stdin closes.
 *   node bench/git-server.ts <files> <bytes per file>
 */
import { randomBytes } from 'node:crypto';
import { startGitHttpServer } from '@weft/e2e';

const fileCount = Number(process.argv[2] ?? 5_000);
const fileSize = Number(process.argv[3] ?? 10 * 1024);

const server = await startGitHttpServer();
const files: Record<string, Uint8Array> = {};
for (let i = 0; i < fileCount; i++) {
  // Half random bytes as hex: realistic-ish compressibility.
  files[`dir-${i % 50}/file-${i}.yaml`] = Buffer.from(`data: ${randomBytes(fileSize / 2).toString('hex')}\n`);
}
await server.createRepo('big', files);
process.stdout.write(`${JSON.stringify({ url: server.url('big') })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
