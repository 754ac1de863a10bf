/**
 * A team installs only the controllers it needs: kustomize-controller alone (no
 * source-controller) from charts/weft on the real node applies a GitRepository whose artifact
 * another server provides. The test plays source-controller: it builds the tarball, serves it,
 * and writes the GitRepository's status.artifact, the whole contract between the two.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { installWeft, startStaticHttpServer } from '@weft/e2e';
import {
  appNamespace,
  configMap,
  createTenant,
  eventuallyFound,
  type InClusterEnv,
  inClusterUnavailable,
  kustomizationType,
  startInClusterEnv,
  tenant,
} from './fixtures.ts';

const run = promisify(execFile);

describe('charts/weft on the real node: kustomize-controller alone', {
  skip: inClusterUnavailable(['kustomize-controller']),
}, () => {
  let env: InClusterEnv;
  let root: string;
  before(async () => {
    [env, root] = await Promise.all([
      startInClusterEnv('weft-kustomize-alone'),
      mkdtemp(join(tmpdir(), 'weft-other-source-')),
    ]);
  });
  after(async () => {
    await env?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('applies a GitRepository whose artifact another server provides', async () => {
    const { client } = env;
    const site = join(root, 'site');
    const tree = join(root, 'tree');
    await mkdir(join(tree, 'app'), { recursive: true });
    await mkdir(site, { recursive: true });
    await writeFile(join(tree, 'app', 'config.yaml'), configMap('from-elsewhere', 'other-config'));
    await run('tar', [
      '--sort=name',
      '--mtime=@0',
      '--owner=0',
      '--group=0',
      '-czf',
      join(site, 'other.tar.gz'),
      '-C',
      tree,
      'app',
    ]);
    const bytes = await readFile(join(site, 'other.tar.gz'));
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await using server = await startStaticHttpServer({ root: site });
    const alone = await installWeft(env.cluster, {
      components: ['kustomize-controller'],
      namespace: 'weft-kustomize-only',
      release: 'weft-kustomize',
      registry: env.registry,
    });
    try {
      const names = (
        await client.list({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: alone.namespace })
      ).items.map((d) => d.metadata.name);
      assert.deepEqual(names, ['kustomize-controller']);
      await createTenant(client);
      const source = {
        apiVersion: 'source.weft.dev/v1',
        kind: 'GitRepository',
        namespace: appNamespace,
        name: 'elsewhere',
      };
      await client.apply({
        apiVersion: source.apiVersion,
        kind: source.kind,
        metadata: { name: source.name, namespace: appNamespace },
        spec: { url: 'https://git.example.invalid/elsewhere', interval: '1h' },
      });
      const revision = `main@sha1:${'e'.repeat(40)}`;
      await client.patchStatus(source, {
        artifact: {
          path: 'gitrepository/apps/elsewhere/other.tar.gz',
          url: server.url('other.tar.gz'),
          revision,
          digest,
          lastUpdateTime: new Date().toISOString(),
          size: bytes.length,
        },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Succeeded',
            message: `stored artifact for revision '${revision}'`,
            lastTransitionTime: new Date().toISOString(),
            observedGeneration: 1,
          },
        ],
      });
      await client.apply({
        ...kustomizationType,
        metadata: { name: 'elsewhere', namespace: appNamespace },
        spec: {
          interval: '5s',
          path: './app',
          prune: true,
          targetNamespace: appNamespace,
          serviceAccountName: tenant,
          sourceRef: { kind: 'GitRepository', name: 'elsewhere' },
        },
      });
      const applied = await eventuallyFound(
        client,
        'other-config applied',
        () =>
          client.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: appNamespace, name: 'other-config' }),
        [{ ...kustomizationType, namespace: appNamespace, name: 'elsewhere' }],
      );
      assert.equal((applied.data as Record<string, string>).greeting, 'from-elsewhere');
      console.log(
        `# kustomize-controller alone: helm install to Available ${alone.readyMs['kustomize-controller']} ms`,
      );
    } finally {
      await alone.stop();
    }
  });
});
