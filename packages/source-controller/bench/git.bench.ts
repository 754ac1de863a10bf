/**
 * GitRepository fetch → artifact on a repository of 5,000 files (~50 MB) served by the local
 * git HTTP server (in a separate process, so the figures are the controller's own): first
 * artifact vs `git clone --depth 1` + `tar czf`, an unchanged revision (one ls-refs exchange),
 * and the controller's peak RSS. Prints figures; asserts nothing.
 *   node bench/git.bench.ts            (BENCH_FILES, BENCH_RUNS to change the size and runs)
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { buildArtifact } from '@weft/artifact';
import { checkout, fetchSource, remoteRevision } from '../src/index.ts';

const run = promisify(execFile);
const fileCount = Number(process.env.BENCH_FILES ?? 5_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const fileSize = 10 * 1024;

const serverProcess = spawn(
  process.execPath,
  [join(import.meta.dirname, 'git-server.ts'), String(fileCount), String(fileSize)],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const [line] = (await once(createInterface({ input: serverProcess.stdout }), 'line')) as [string];
const { url } = JSON.parse(line) as { url: string };
const work = await mkdtemp(join(tmpdir(), 'weft-bench-'));

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

try {
  const first: number[] = [];
  const fetched: number[] = [];
  const toDisk: number[] = [];
  const clone: number[] = [];
  const cloneTotal: number[] = [];
  let summary = '';
  for (let i = 0; i < runs; i++) {
    let start = process.hrtime.bigint();
    const dir = join(work, `checkout-${i}`);
    // What the reconciler does without includes: fetch, then build from the fetched objects.
    const result = await fetchSource({ url, ref: { branch: 'main' }, dir, timeoutMs: 600_000 });
    fetched.push(ms(start));
    const built = await buildArtifact({
      dir,
      out: join(work, `artifact-${i}.tar.gz`),
      filter: (path, isDir) => !result.ignoreRules.excludes(path, isDir),
      ...(result.entries === undefined ? {} : { entries: result.entries }),
    });
    await result.dispose();
    first.push(ms(start));
    // checkout(): the tree written to disk (used with spec.include).
    start = process.hrtime.bigint();
    await checkout({ url, ref: { branch: 'main' }, dir: join(work, `tree-${i}`), timeoutMs: 600_000 });
    toDisk.push(ms(start));
    await rm(join(work, `tree-${i}`), { recursive: true, force: true });
    const mb = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);
    summary = `repository: ${result.files} files, pack ${mb(result.fetchedBytes)} MiB, artifact ${mb(built.size)} MiB`;
    await rm(dir, { recursive: true, force: true });

    start = process.hrtime.bigint();
    const cloneDir = join(work, `clone-${i}`);
    await run('git', ['clone', '-q', '--depth', '1', '--single-branch', '--branch', 'main', url, cloneDir], {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: work },
    });
    clone.push(ms(start));
    await run('tar', ['czf', join(work, `clone-${i}.tar.gz`), '--exclude=.git', '-C', cloneDir, '.']);
    cloneTotal.push(ms(start));
    await rm(cloneDir, { recursive: true, force: true });
  }

  const unchanged: number[] = [];
  for (let i = 0; i < 10; i++) {
    const start = process.hrtime.bigint();
    await remoteRevision({ url, ref: { branch: 'main' } });
    unchanged.push(ms(start));
  }
  clearInterval(sampler);

  const all = (values: number[]) => values.map((value) => value.toFixed(0)).join(', ');
  console.log(summary);
  console.log(
    `weft first artifact: median ${median(first).toFixed(0)} ms [${all(first)}] (fetch median ${median(fetched).toFixed(0)} ms [${all(fetched)}])`,
  );
  console.log(`checkout() to disk: median ${median(toDisk).toFixed(0)} ms [${all(toDisk)}]`);
  console.log(
    `git clone --depth 1 + tar czf: median ${median(cloneTotal).toFixed(0)} ms [${all(cloneTotal)}] (clone median ${median(clone).toFixed(0)} ms [${all(clone)}])`,
  );
  console.log(`ratio weft / git: ${(median(first) / median(cloneTotal)).toFixed(2)}`);
  console.log(
    `unchanged revision (ls-refs): median ${median(unchanged).toFixed(1)} ms, max ${Math.max(...unchanged).toFixed(1)} ms`,
  );
  console.log(
    `controller peak RSS: ${(peakRss / (1024 * 1024)).toFixed(1)} MiB (git server in its own process)`,
  );
} finally {
  clearInterval(sampler);
  serverProcess.stdin.end();
  await once(serverProcess, 'exit');
  await rm(work, { recursive: true, force: true });
}
