import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { pinnedVersions, toolPath } from '../src/index.ts';

const run = promisify(execFile);
const versions = pinnedVersions();

test('the reference helm binary is the pinned version', async () => {
  const { stdout } = await run(toolPath('helm'), ['version', '--template', '{{.Version}}']);
  // helm built from the module proxy reports its version through its module info.
  assert.equal(stdout.trim(), versions.HELM_VERSION);
});

test('the reference kustomize binary builds a kustomization', async () => {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'weft-kustomize-'));
  await writeFile(join(dir, 'kustomization.yaml'), 'namePrefix: dev-\nresources: [cm.yaml]\n');
  await writeFile(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n');
  const { stdout } = await run(toolPath('kustomize'), ['build', dir]);
  assert.match(stdout, /name: dev-app/);
});

test('the control-plane binaries report the pinned Kubernetes version', async () => {
  const { stdout } = await run(toolPath('kube-apiserver'), ['--version']);
  assert.equal(stdout.trim(), `Kubernetes ${versions.KUBERNETES_VERSION}`);
  const etcd = await run(toolPath('etcd'), ['--version']);
  assert.match(etcd.stdout, new RegExp(`etcd Version: ${versions.ETCD_VERSION?.slice(1)}`));
});

test('the reference sops binary is the pinned version', async () => {
  const { stdout } = await run(toolPath('sops'), ['--version', '--disable-version-check']);
  assert.equal(stdout.trim().split('\n')[0], `sops ${versions.SOPS_VERSION?.slice(1)}`);
});

test("the real node's binaries report the pinned versions", async () => {
  const kubelet = await run(toolPath('kubelet'), ['--version']);
  assert.equal(kubelet.stdout.trim(), `Kubernetes ${versions.KUBERNETES_VERSION}`);
  const containerd = await run(toolPath('containerd'), ['--version']);
  assert.match(containerd.stdout, new RegExp(` ${versions.CONTAINERD_VERSION} `));
  const ctr = await run(toolPath('ctr'), ['--version']);
  assert.match(ctr.stdout, new RegExp(`${versions.CONTAINERD_VERSION}$`, 'm'));
});

test('the cosign binary is the pinned version', async () => {
  const { stdout } = await run(toolPath('cosign'), ['version']);
  assert.match(stdout, new RegExp(`GitVersion:\\s+${versions.COSIGN_VERSION}\\b`));
});

test('the versitygw binary runs (it reports no version when built from the module proxy)', async () => {
  const { stdout } = await run(toolPath('versitygw'), ['--version']);
  assert.match(stdout, /Version/);
  assert.ok(toolPath('versitygw').includes(`versitygw-${versions.VERSITYGW_VERSION}`));
});
