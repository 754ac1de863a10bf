// Benchmark: weft-kustomize against the reference kustomize on a generated tree of 200 apps
// (a base and two overlays each, with generators and patches), built from one top kustomization.
// Run: node packages/kustomize/bench/build.bench.ts [apps] [runs]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toolPath } from '@weft/e2e';
import { build } from '../src/index.ts';
import { writeAppTree } from '../test/fixtures/app-tree.ts';
import { seededRandom } from '../test/fixtures/random.ts';

const apps = Number(process.argv[2] ?? 200);
const runs = Number(process.argv[3] ?? 5);
const command = path.join(import.meta.dirname, '../bin/weft-kustomize.js');
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** Wall time (ms) and peak RSS (MiB) of one fresh process. */
const measure = (argv: string[]): { ms: number; rssMiB: number; bytes: number } => {
  const started = performance.now();
  const [file, ...args] = timeBin ? [timeBin, '-f', '%M', ...argv] : argv;
  const r = spawnSync(file as string, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  const kib = timeBin ? Number(r.stderr.trim().split('\n').at(-1)) : Number.NaN;
  return { ms, rssMiB: kib / 1024, bytes: r.stdout.length };
};

const dir = mkdtempSync(path.join(tmpdir(), 'weft-kustomize-bench-'));
try {
  writeAppTree(dir, apps, seededRandom(2026), { minimal: true });
  const objects = build(dir);
  console.log(`tree: ${apps} apps x (base + 2 overlays), ${objects.length} objects in the top-level build`);

  let reference: string | undefined;
  try {
    reference = toolPath('kustomize');
  } catch (err) {
    console.log(`reference kustomize unavailable, measuring weft-kustomize only: ${(err as Error).message}`);
  }
  const ours: ReturnType<typeof measure>[] = [];
  const theirs: ReturnType<typeof measure>[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(measure([process.execPath, command, 'build', dir]));
    if (reference) theirs.push(measure([reference, 'build', dir]));
  }
  const report = (name: string, xs: ReturnType<typeof measure>[]): number => {
    const ms = median(xs.map((x) => x.ms));
    const rss = median(xs.map((x) => x.rssMiB));
    console.log(
      `${name.padEnd(28)} median ${ms.toFixed(0).padStart(6)} ms   peak RSS ${Number.isNaN(rss) ? 'n/a' : `${rss.toFixed(0)} MiB`}   (${runs} runs)`,
    );
    return ms;
  };
  const oursMs = report('weft-kustomize build (cmd)', ours);
  if (reference) {
    const theirsMs = report('kustomize build (v5 binary)', theirs);
    console.log(`ratio weft/kustomize: ${(oursMs / theirsMs).toFixed(2)}x`);
  }

  // The first in-process build parses every file; the next ones read them from the parse cache,
  // as a controller rebuilding an unchanged revision does.
  const inProcess: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    build(dir);
    inProcess.push(performance.now() - started);
  }
  const [first = Number.NaN, ...rebuilds] = inProcess;
  console.log(
    `${'library build() in-process'.padEnd(28)} first ${first.toFixed(0).padStart(6)} ms   rebuild median ${median(rebuilds).toFixed(0)} ms (parse cache)   RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
