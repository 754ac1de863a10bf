// Benchmark: weft-kustomize against the reference kustomize, side by side in one run, on a
// generated tree of apps (a base and two overlays each, with generators and patches, built
// from one top kustomization), or with `--objects N` on a tree of N objects in few big files
// (50 bases of N/50 objects under one overlay). Wall time, CPU time (user+sys: the machine may
// be shared) and peak RSS of fresh processes.
// Run: node packages/kustomize/bench/build.bench.ts [apps] [runs] | --objects N [runs]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toolPath } from '@weft/e2e';
import { build } from '../src/index.ts';
import { writeAppTree } from '../test/fixtures/app-tree.ts';
import { seededRandom } from '../test/fixtures/random.ts';

const bigTree = process.argv[2] === '--objects';
const apps = bigTree ? 0 : Number(process.argv[2] ?? 200);
const objectCount = bigTree ? Number(process.argv[3] ?? 10_000) : 0;
const runs = Number(process.argv[bigTree ? 4 : 3] ?? 5);
const command = path.join(import.meta.dirname, '../bin/weft-kustomize.js');
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

// NaN for no runs (one run has no rebuild to take the median of).
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
// Two significant digits: a ratio of 0.002 must not print as 0.00.
const ratio = (a: number, b: number): string => `${(a / b).toPrecision(2)}x`;

type Measured = { ms: number; cpuMs: number; rssMiB: number; bytes: number };

/** Wall time (ms), CPU time (ms) and peak RSS (MiB) of one fresh process. */
const measure = (argv: string[]): Measured => {
  const started = performance.now();
  const [file, ...args] = timeBin ? [timeBin, '-f', '%M %U %S', ...argv] : argv;
  const r = spawnSync(file as string, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  const [kib, user, sys] = timeBin ? (r.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number) : [];
  return {
    ms,
    cpuMs: ((user ?? Number.NaN) + (sys ?? Number.NaN)) * 1000,
    rssMiB: (kib ?? Number.NaN) / 1024,
    bytes: r.stdout.length,
  };
};

/** 50 bases of `count / 50` objects each (one file per base), under one overlay. */
const writeBigTree = (root: string, count: number): void => {
  const perBase = Math.ceil(count / 50);
  const bases: string[] = [];
  for (let b = 0; b < 50; b++) {
    const dir = path.join(root, `base${b}`);
    mkdirSync(dir, { recursive: true });
    const docs: string[] = [];
    for (let i = 0; i < perBase; i++) {
      const name = `o${b}-${i}`;
      docs.push(
        i % 3 === 0
          ? `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels:\n    app: a${b}\ndata:\n  key: value-${i}\n  other: "${i}"\n`
          : i % 3 === 1
            ? `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: a${b}\n  ports:\n  - port: 80\n    targetPort: 8080\n`
            : `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels:\n      app: a${b}\n  template:\n    metadata:\n      labels:\n        app: a${b}\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.25\n        envFrom:\n        - configMapRef:\n            name: o${b}-${i - 2}\n`,
      );
    }
    writeFileSync(path.join(dir, 'objects.yaml'), docs.join('---\n'));
    writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources:\n- objects.yaml\n');
    bases.push(`../base${b}`);
  }
  const top = path.join(root, 'overlay');
  mkdirSync(top, { recursive: true });
  writeFileSync(
    path.join(top, 'kustomization.yaml'),
    `resources:\n${bases.map((b) => `- ${b}`).join('\n')}\nnamePrefix: prod-\nnamespace: prod\nlabels:\n- pairs:\n    env: prod\n  includeSelectors: true\nimages:\n- name: nginx\n  newTag: "1.27"\n`,
  );
};

const root = mkdtempSync(path.join(tmpdir(), 'weft-kustomize-bench-'));
const dir = bigTree ? path.join(root, 'overlay') : root;
// The generated trees are big on purpose: this run raises the object limit for them.
const limitFlags = ['--max-objects', '1000000'];
try {
  if (bigTree) writeBigTree(root, objectCount);
  else writeAppTree(root, apps, seededRandom(2026), { minimal: true });
  const objects = build(dir, { limits: { maxObjects: 1_000_000 } });
  console.log(
    bigTree
      ? `tree: 50 bases of ${Math.ceil(objectCount / 50)} objects under one overlay, ${objects.length} objects`
      : `tree: ${apps} apps x (base + 2 overlays), ${objects.length} objects in the top-level build`,
  );

  let reference: string | undefined;
  try {
    reference = toolPath('kustomize');
  } catch (err) {
    console.log(`reference kustomize unavailable, measuring weft-kustomize only: ${(err as Error).message}`);
  }
  const ours: Measured[] = [];
  const theirs: Measured[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(measure([process.execPath, command, 'build', dir, ...limitFlags]));
    if (reference) theirs.push(measure([reference, 'build', dir]));
  }
  const report = (name: string, xs: Measured[]): Measured => {
    const m = {
      ms: median(xs.map((x) => x.ms)),
      cpuMs: median(xs.map((x) => x.cpuMs)),
      rssMiB: median(xs.map((x) => x.rssMiB)),
      bytes: 0,
    };
    console.log(
      `${name.padEnd(28)} median ${m.ms.toFixed(0).padStart(6)} ms wall  ${m.cpuMs.toFixed(0).padStart(6)} ms CPU   peak RSS ${Number.isNaN(m.rssMiB) ? 'n/a' : `${m.rssMiB.toFixed(0)} MiB`}   (${runs} runs)`,
    );
    return m;
  };
  const oursM = report('weft-kustomize build (cmd)', ours);
  if (reference) {
    const theirsM = report('kustomize build (v5 binary)', theirs);
    console.log(
      `ratio weft/kustomize: wall ${ratio(oursM.ms, theirsM.ms)}, CPU ${ratio(oursM.cpuMs, theirsM.cpuMs)}, peak RSS ${ratio(oursM.rssMiB, theirsM.rssMiB)}`,
    );
  }

  // The first in-process build parses every file; the next ones read them from the parse cache,
  // as a controller rebuilding an unchanged revision does.
  const inProcess: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    build(dir, { limits: { maxObjects: 1_000_000 } });
    inProcess.push(performance.now() - started);
  }
  const [first = Number.NaN, ...rebuilds] = inProcess;
  console.log(
    `${'library build() in-process'.padEnd(28)} first ${first.toFixed(0).padStart(6)} ms   rebuild median ${median(rebuilds).toFixed(0)} ms (parse cache)   RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
