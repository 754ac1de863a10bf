/**
 * After `weft migrate`, weft reconciles the repository: the Flux fixture is pushed to a git
 * server, migrated in a checkout with the real `git`, pushed again, and bootstrapped. Its
 * Kustomizations (the bootstrap's and `infrastructure`) are applied with the mapped annotations,
 * and the patch kept in weft-system/kustomization.yaml reaches kustomize-controller's Deployment.
 * The `apps` Kustomization holds a HelmRelease (helm-controller is a default component) and image
 * policies, whose CRDs the default --components do not install (image-automation-controller is
 * not among them): it must fail naming those kinds, not half-apply.
 * On a control plane of its own, like bootstrap.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { eventually, type GitHttpServer, startCluster, startGitHttpServer } from '@weft/e2e';
import { Client, type KubeObject, RestConfig } from '@weft/runtime/client';
import { startControllerProcesses } from './controllers.ts';
import { weft } from './run-weft.ts';

const cluster = await startCluster({ name: 'weft-cli-migrate', nodes: 1 });
const client = new Client(RestConfig.fromFiles(cluster.kubeconfigPath), { fieldManager: 'e2e' });
const dir = await mkdtemp(join(tmpdir(), 'weft-migrate-e2e-'));
const fixture = join(import.meta.dirname, 'fixtures', 'flux-repo');
let git: GitHttpServer;
let stopControllers: () => Promise<void> = async () => {};

before(async () => {
  git = await startGitHttpServer();
  stopControllers = await startControllerProcesses(cluster.kubeconfigPath, dir);
});
after(async () => {
  await stopControllers();
  await git?.stop();
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
});

// Asynchronous: the git server runs in this process, a synchronous clone would wait for itself.
async function gitIn(cwd: string, args: string[]): Promise<string> {
  const run = promisify(execFile);
  const { stdout } = await run(
    'git',
    ['-c', 'user.name=Fleet', '-c', 'user.email=fleet@example.invalid', ...args],
    {
      cwd,
    },
  );
  return stdout;
}

function readyOf(object: KubeObject | undefined) {
  return (
    object?.status as { conditions?: Array<{ type: string; status: string; message?: string }> } | undefined
  )?.conditions?.find((condition) => condition.type === 'Ready');
}

describe('a migrated Flux repository', () => {
  it('is reconciled by weft after weft migrate and weft bootstrap', async () => {
    await git.createRepo('fleet', { 'README.md': '# fleet\n' });
    const checkout = join(dir, 'checkout');
    await gitIn(dir, ['clone', '--quiet', git.url('fleet'), checkout]);
    await cp(fixture, checkout, { recursive: true });
    await gitIn(checkout, ['add', '-A']);
    await gitIn(checkout, ['commit', '--quiet', '-m', 'flux bootstrap']);

    const dryRun = await weft(['migrate', '--dry-run', checkout]);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.equal(await gitIn(checkout, ['status', '--porcelain']), '', 'the dry run wrote something');
    const migrated = await weft(['migrate', checkout]);
    assert.equal(migrated.code, 0, migrated.stderr);
    await gitIn(checkout, ['add', '-A']);
    await gitIn(checkout, ['commit', '--quiet', '-m', 'weft migrate']);
    await gitIn(checkout, ['push', '--quiet', 'origin', 'main']);

    const global = ['--kubeconfig', cluster.kubeconfigPath, '--timeout', '4m'];
    const bootstrapped = await weft([
      'bootstrap',
      'git',
      ...global,
      '--url',
      git.url('fleet'),
      '--path',
      'clusters/my-cluster',
      '--interval',
      '5s',
    ]);
    assert.equal(bootstrapped.code, 0, bootstrapped.stderr);

    const infrastructure = await eventually(
      'Kustomization infrastructure to be Ready',
      async () => {
        const object = await client.find({
          apiVersion: 'kustomize.weft.dev/v1',
          kind: 'Kustomization',
          namespace: 'weft-system',
          name: 'infrastructure',
        });
        return readyOf(object)?.status === 'True' ? object : undefined;
      },
      180_000,
    );
    assert.ok(infrastructure);
    const settings = await client.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'fleet-config',
      name: 'cluster-settings',
    });
    assert.equal(settings.metadata.annotations?.['kustomize.weft.dev/prune'], 'disabled');
    assert.equal(settings.metadata.labels?.['reconcile.weft.dev/watch'], 'Enabled');

    // The patch the Flux repository had in flux-system/kustomization.yaml, kept by the migration.
    const controller = await client.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'weft-system',
      name: 'kustomize-controller',
    });
    const args = (controller.spec as { template: { spec: { containers: Array<{ args: string[] }> } } })
      .template.spec.containers[0]?.args;
    assert.ok(args?.includes('--concurrent=8'), `kustomize-controller args: ${args?.join(' ')}`);

    // The apps need image-automation-controller's CRDs, which the default --components leave out:
    // the Kustomization must say so, naming the kinds, not half-apply.
    const apps = await eventually(
      'Kustomization apps to report why it cannot apply',
      async () => {
        const object = await client.find({
          apiVersion: 'kustomize.weft.dev/v1',
          kind: 'Kustomization',
          namespace: 'weft-system',
          name: 'apps',
        });
        const ready = readyOf(object);
        return ready?.status === 'False' && /ImagePolicy/.test(ready.message ?? '') ? ready : undefined;
      },
      180_000,
    );
    assert.match(apps.message ?? '', /is its CRD installed/);
    assert.doesNotMatch(
      apps.message ?? '',
      /HelmRelease/,
      'helm-controller is installed: its kind is served',
    );
    assert.equal(
      await client.find({ apiVersion: 'v1', kind: 'Namespace', name: 'podinfo' }),
      undefined,
      'the apps were half-applied',
    );
  });
});
