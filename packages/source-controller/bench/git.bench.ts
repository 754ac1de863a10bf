/**
 * GitRepository fetch → artifact on a repository of 5,000 files (~50 MB) served by the local
 * git HTTP server: first artifact vs `git clone --depth 1` + `tar czf`, an unchanged revision
 * (one ls-refs exchange), and peak RSS. Prints figures; asserts nothing.
 *   node bench/git.bench.ts
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildArtifact } from '@weft/artifact';
import { startGitHttpServer } from '@weft/e2e';
import { checkout, remoteRevision } from '../src/index.ts';

const run = promisify(execFile);
const fileCount = Number(process.env.BENCH_FILES ?? 5_000);
const fileSize = 10 * 1024;

await using server = await startGitHttpServer();
const files: Record<string, Uint8Array> = {};
for (let i = 0; i < fileCount; i++) {
  // Half random bytes as hex: realistic-ish compressibility, ~10 KiB per file.
  files[`dir-${i % 50}/file-${i}.yaml`] = Buffer.from(`data: ${randomBytes(fileSize / 2).toString('hex')}\n`);
}
await server.createRepo('big', files);
const url = server.url('big');
const work = await mkdtemp(join(tmpdir(), 'weft-bench-'));

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

try {
  let start = process.hrtime.bigint();
  const dir = join(work, 'checkout');
  const result = await checkout({ url, ref: { branch: 'main' }, dir, timeoutMs: 600_000 });
  const checkoutMs = ms(start);
  const built = await buildArtifact({
    dir,
    filter: (path, isDir) => !result.ignoreRules.excludes(path, isDir),
  });
  const firstArtifactMs = ms(start);

  start = process.hrtime.bigint();
  const cloneDir = join(work, 'clone');
  // Async: the git server runs in this process, a blocking call would deadlock it.
  await run('git', ['clone', '-q', '--depth', '1', '--single-branch', '--branch', 'main', url, cloneDir], {
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: work },
  });
  const gitCloneMs = ms(start);
  await run('tar', ['czf', join(work, 'clone.tar.gz'), '--exclude=.git', '-C', cloneDir, '.']);
  const gitTotalMs = ms(start);

  const unchanged: number[] = [];
  for (let i = 0; i < 10; i++) {
    start = process.hrtime.bigint();
    await remoteRevision({ url, ref: { branch: 'main' } });
    unchanged.push(ms(start));
  }
  unchanged.sort((a, b) => a - b);
  clearInterval(sampler);

  const mb = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);
  console.log(
    `repository: ${result.files} files, pack ${mb(result.fetchedBytes)} MiB, artifact ${mb(built.size)} MiB`,
  );
  console.log(
    `weft first artifact:  ${firstArtifactMs.toFixed(0)} ms (fetch+checkout ${checkoutMs.toFixed(0)} ms)`,
  );
  console.log(
    `git clone --depth 1 + tar czf: ${gitTotalMs.toFixed(0)} ms (clone ${gitCloneMs.toFixed(0)} ms)`,
  );
  console.log(
    `unchanged revision (ls-refs): median ${unchanged[5]?.toFixed(1)} ms, max ${unchanged[9]?.toFixed(1)} ms`,
  );
  console.log(`peak RSS: ${mb(peakRss)} MiB`);
} finally {
  clearInterval(sampler);
  await rm(work, { recursive: true, force: true });
}
