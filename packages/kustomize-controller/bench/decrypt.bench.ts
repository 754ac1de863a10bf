// What spec.decryption costs a build: the scan of the artifact for SOPS files and their
// decryption in memory (kustomize-controller's decryptTree), on a tree of P plain manifests and E
// files encrypted by the pinned sops (age). Prints the median of 5 runs, and the per-file figures.
//
// Run: node packages/kustomize-controller/bench/decrypt.bench.ts [P=2000] [E=20]
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPath } from '@weft/e2e';
import { sopsKeysFromSecret } from '@weft/sops';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { decryptTree } from '../src/decryption.ts';

const [plainCount = 2000, encryptedCount = 20] = process.argv.slice(2).map(Number);
const root = await mkdtemp(join(tmpdir(), 'ks-decrypt-bench-'));
const identity = await generateX25519Identity();
const recipient = await identityToRecipient(identity);
const keys = await sopsKeysFromSecret({ 'bench.agekey': identity }, 'bench/keys');

const manifest = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Array.from({ length: 30 }, (_, i) => `  key${i}: value-${i}-${'x'.repeat(16)}`).join('\n')}\n`;
const secret = (name: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\nstringData:\n${Array.from({ length: 10 }, (_, i) => `  key${i}: secret-${i}`).join('\n')}\n`;

try {
  for (let i = 0; i < plainCount; i++) {
    const dir = join(root, `app-${i % 50}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `cm-${i}.yaml`), manifest(`cm-${i}`));
  }
  const plainFile = join(root, 'plain.yaml');
  await writeFile(plainFile, secret('template'));
  const encrypted = execFileSync(
    toolPath('sops'),
    ['encrypt', '--age', recipient, '--encrypted-regex', '^stringData$', plainFile],
    { encoding: 'utf8' },
  );
  await rm(plainFile);
  for (let i = 0; i < encryptedCount; i++) {
    await writeFile(join(root, `app-${i % 50}`, `secret-${i}.yaml`), encrypted);
  }
  const runs: number[] = [];
  let decrypted = 0;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    decrypted = (await decryptTree(root, keys)).size;
    runs.push(performance.now() - started);
  }
  runs.sort((a, b) => a - b);
  const median = runs[2] ?? 0;
  console.log(
    `tree: ${plainCount} plain manifests, ${encryptedCount} SOPS files (age), ${decrypted} decrypted`,
  );
  console.log(
    `decryptTree median of 5: ${median.toFixed(1)} ms (min ${runs[0]?.toFixed(1)} ms, max ${runs[4]?.toFixed(1)} ms)`,
  );
  console.log(`per file scanned: ${((median * 1000) / (plainCount + encryptedCount)).toFixed(1)} µs`);
} finally {
  await rm(root, { recursive: true, force: true });
}
