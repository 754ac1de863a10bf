/**
 * One batch of the automation bench without the cluster: a repository of F files (one per app
 * directory, as bench/automation.bench.ts makes), K runs submitted at once to one PushBatcher (so
 * they share one fetch and one push), each editing its app's file and making its own commit, as
 * the controller does. Prints the batch's fetch, commit and push times per round and the
 * process's CPU seconds; with --cpu-prof (a node flag) the profile says where the commit time
 * goes. With --base=DIR (another tree, e.g. the code before a change), each round runs DIR's
 * PushBatcher and this tree's one after the other on their own repositories, alternating, so
 * both are measured at the same load. Prints figures; asserts nothing.
 *   node [--cpu-prof] bench/commit-batch.bench.ts [K=43] [F=100] [ROUNDS=3] [--base=DIR]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHttpServer } from '@weft/e2e';
import { Remote } from '@weft/git';
import { updateTree } from '../src/automation/files.ts';
import { CheckoutCache } from '../src/automation/git/checkouts.ts';
import { PushBatcher, type PushTarget } from '../src/automation/git/push.ts';

const args = process.argv.slice(2);
const [runs = 43, fileCount = 100, rounds = 3] = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
const base = args.find((arg) => arg.startsWith('--base='))?.slice('--base='.length);
const trees: { label: string; Batcher: typeof PushBatcher; Checkouts: typeof CheckoutCache }[] = [
  ...(base
    ? [
        {
          label: 'base',
          Batcher: (
            (await import(join(base, 'packages/image-automation-controller/src/automation/git/push.ts'))) as {
              PushBatcher: typeof PushBatcher;
            }
          ).PushBatcher,
          Checkouts: (
            (await import(
              join(base, 'packages/image-automation-controller/src/automation/git/checkouts.ts')
            )) as { CheckoutCache: typeof CheckoutCache }
          ).CheckoutCache,
        },
      ]
    : []),
  { label: 'this tree', Batcher: PushBatcher, Checkouts: CheckoutCache },
];
const name = (i: number) => `app-${String(i).padStart(3, '0')}`;
const file = (i: number, tag: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name(i)}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example/${name(i)}:${tag} # {"$imagepolicy": "bench:${name(i)}"}\n`;

const server = await startGitHttpServer();
const work = await mkdtemp(join(tmpdir(), 'weft-commit-batch-'));
try {
  const files: Record<string, string> = {};
  for (let i = 0; i < fileCount; i++) files[`apps/${name(i)}/deploy.yaml`] = file(i, '1.0.0');
  const contenders: ((typeof trees)[number] & {
    repo: string;
    batcher: PushBatcher;
    target: PushTarget;
  })[] = [];
  for (const [index, tree] of trees.entries()) {
    const repo = `fleet-${index}`;
    await server.createRepo(repo, files);
    const remote = new Remote({ url: server.url(repo) });
    const batcher = new tree.Batcher({ checkouts: new tree.Checkouts({ parent: join(work, repo) }) });
    contenders.push({
      ...tree,
      repo,
      batcher,
      target: { remote, checkout: { branch: 'main' }, pushBranch: 'main' },
    });
  }
  for (let round = 1; round <= rounds; round++) {
    const tag = `1.${round}.0`;
    for (const { label, repo, batcher, target } of contenders) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const outcomes = await Promise.all(
        Array.from({ length: runs }, (_, i) =>
          batcher.submit(repo, target, {
            author: { name: 'Bench', email: 'bench@example.invalid' },
            now: () => new Date(),
            update: async (dir) => {
              const changes = await updateTree(dir, `./apps/${name(i)}`, (ref) =>
                ref.policy === name(i) ? { name: `registry.example/${name(i)}`, tag } : undefined,
              );
              return { files: [...changes.keys()], result: changes.size };
            },
            message: () => `Update ${name(i)} to ${tag}`,
          }),
        ),
      );
      const used = process.cpuUsage(cpu);
      // One line per batch: its runs share the batch's phases (only their queued time differs).
      const timings = new Map(
        outcomes.map(({ timing }) => [`${timing.batchRuns} ${timing.syncMs} ${timing.commitMs}`, timing]),
      );
      const pushed = outcomes.filter((outcome) => outcome.pushed).length;
      for (const timing of timings.values())
        console.log(
          `round ${round} ${label}: batch of ${timing.batchRuns}: fetch ${timing.syncMs} ms, ${pushed} commits ${timing.commitMs} ms (${(timing.commitMs / Math.max(pushed, 1)).toFixed(0)} ms each), push ${timing.pushMs} ms; wall ${(performance.now() - started).toFixed(0)} ms, CPU ${((used.user + used.system) / 1e6).toFixed(2)} s (load ${loadavg()[0]?.toFixed(2)})`,
        );
    }
  }
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
