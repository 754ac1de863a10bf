/**
 * Build, serve and fetch a source-sized tree, against `tar czf` of the same tree.
 * Run: node packages/artifact/bench/artifact.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildArtifact, fetchArtifact, Storage, serve } from '@weft/artifact';

const fileCount = 5_000;
const runs = 3;

async function generateTree(root: string): Promise<number> {
  let total = 0;
  const yamlLine =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\n  labels: {app: podinfo}\n';
  for (let index = 0; index < fileCount; index++) {
    const dir = join(root, `dir-${index % 100}`, `sub-${index % 7}`);
    await mkdir(dir, { recursive: true });
    // Sizes from 1 KiB to 19 KiB (≈10 KiB on average); every third file is incompressible.
    const size = 1024 + ((index * 7919) % (18 * 1024));
    const content =
      index % 3 === 0
        ? randomBytes(size)
        : Buffer.from(yamlLine.repeat(Math.ceil(size / yamlLine.length))).subarray(0, size);
    await writeFile(join(dir, `file-${index}.yaml`), content);
    total += size;
  }
  return total;
}

async function median(label: string, run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let attempt = 0; attempt < runs; attempt++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const result = times[Math.floor(times.length / 2)] ?? 0;
  console.log(
    `${label.padEnd(42)} median ${result.toFixed(0).padStart(6)} ms  (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`,
  );
  return result;
}

const scratch = await mkdtemp(join(tmpdir(), 'weft-artifact-bench-'));
try {
  const source = join(scratch, 'source');
  const totalBytes = await generateTree(source);
  console.log(`tree: ${fileCount} files, ${(totalBytes / 1024 / 1024).toFixed(1)} MiB`);

  let built = await buildArtifact({ dir: source, out: join(scratch, 'weft.tar.gz') });
  const buildMs = await median('weft buildArtifact', async () => {
    built = await buildArtifact({ dir: source, out: join(scratch, 'weft.tar.gz') });
  });
  const tarMs = await median('tar czf (GNU tar + gzip -6)', async () => {
    execFileSync('tar', ['-C', source, '-czf', join(scratch, 'gnu.tar.gz'), '.']);
  });
  const gnuSize = (await stat(join(scratch, 'gnu.tar.gz'))).size;
  console.log(
    `sizes: weft ${(built.size / 1024 / 1024).toFixed(2)} MiB, tar czf ${(gnuSize / 1024 / 1024).toFixed(2)} MiB`,
  );
  console.log(`build vs tar czf: ${(buildMs / tarMs).toFixed(2)}x`);

  const storage = new Storage({ root: join(scratch, 'storage'), advertisedAddress: 'placeholder' });
  const ref = { kind: 'GitRepository', namespace: 'default', name: 'bench' };
  const stored = await storage.store(ref, built.path);
  const server = await serve({ root: storage.root, host: '127.0.0.1', port: 0 });
  try {
    const url = `${server.url}/${stored.path}`;
    let counter = 0;
    await median('fetch+verify+extract over loopback', () =>
      fetchArtifact({ url, digest: stored.digest, dir: join(scratch, `fetched-${++counter}`) }),
    );
    const sample = await readFile(join(scratch, 'fetched-1', 'dir-1', 'sub-1', 'file-1.yaml'));
    if (!sample.equals(await readFile(join(source, 'dir-1', 'sub-1', 'file-1.yaml'))))
      throw new Error('fetched content differs');
  } finally {
    await server.close();
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
