import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { helmConnection } from './kubeconfig.ts';

const dir = await mkdtemp(join(tmpdir(), 'helm-connection-'));
after(() => rm(dir, { recursive: true, force: true }));

describe('helmConnection', () => {
  it('passes the controller --kubeconfig on', async () => {
    assert.deepEqual(await helmConnection({ kubeconfigPath: '/k', workDir: dir, env: {} }), {
      kubeconfigPath: '/k',
    });
  });

  it('passes the existing files of the KUBECONFIG list on, before in-cluster config', async () => {
    const file = join(dir, 'a.kubeconfig');
    await writeFile(file, 'apiVersion: v1\n');
    const env = {
      KUBECONFIG: `${join(dir, 'missing')}:${file}`,
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_SERVICE_PORT: '443',
    };
    assert.deepEqual(await helmConnection({ workDir: dir, env }), { kubeconfigEnv: file });
  });

  it('writes the in-cluster config as a 0600 kubeconfig naming the token and CA files', async () => {
    const sa = join(dir, 'sa');
    await mkdir(sa);
    await writeFile(join(sa, 'namespace'), 'flux-system\n');
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' };
    const connection = await helmConnection({ workDir: dir, env, serviceAccountDir: sa });
    assert.ok(connection.kubeconfigPath);
    assert.equal((await stat(connection.kubeconfigPath)).mode & 0o777, 0o600);
    const doc = parse(await readFile(connection.kubeconfigPath, 'utf8'));
    assert.deepEqual(doc.clusters[0].cluster, {
      server: 'https://[fd00::1]:6443',
      'certificate-authority': join(sa, 'ca.crt'),
    });
    assert.deepEqual(doc.users[0].user, { tokenFile: join(sa, 'token') });
    assert.equal(doc.contexts[0].context.namespace, 'flux-system');
    assert.equal(doc['current-context'], doc.contexts[0].name);
  });

  it('falls back to ~/.kube/config, else nothing', async () => {
    assert.deepEqual(await helmConnection({ workDir: dir, env: {}, home: join(dir, 'nohome') }), {});
    const home = join(dir, 'home');
    await mkdir(join(home, '.kube'), { recursive: true });
    await writeFile(join(home, '.kube', 'config'), 'apiVersion: v1\n');
    assert.deepEqual(await helmConnection({ workDir: dir, env: {}, home }), {
      kubeconfigPath: join(home, '.kube', 'config'),
    });
  });
});
