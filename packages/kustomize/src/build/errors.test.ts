import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { build, KustomizeError } from '../index.ts';
import { treeMaker } from './tree.fixture.ts';

const tree = treeMaker('weft-kustomize-errors-');

const cm = (name: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: b\n`;

const rejects = async (dir: string, pattern: RegExp, options: { root?: string } = {}): Promise<void> => {
  assert.throws(
    () => build(dir, options),
    (err: unknown) => {
      assert.ok(err instanceof KustomizeError, `expected a KustomizeError, got ${String(err)}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
};

describe('errors a user can act on', () => {
  it('names a missing resource', async () => {
    await rejects(
      tree({ 'kustomization.yaml': 'resources:\n- missing.yaml\n' }),
      /resource 'missing.yaml' not found/,
    );
  });

  it('names the file with invalid YAML', async () => {
    await rejects(
      tree({ 'kustomization.yaml': 'resources:\n- bad.yaml\n', 'bad.yaml': 'a: [\n' }),
      /bad\.yaml: invalid YAML/,
    );
  });

  it('refuses duplicate object ids', async () => {
    const dir = tree({
      'kustomization.yaml': 'resources:\n- a.yaml\n- b.yaml\n',
      'a.yaml': cm('x'),
      'b.yaml': cm('x'),
    });
    await rejects(dir, /already registered id: v1\.ConfigMap\/x/);
  });

  it('fails when an untargeted strategic merge patch matches nothing', async () => {
    const dir = tree({
      'kustomization.yaml': 'resources:\n- a.yaml\npatches:\n- path: p.yaml\n',
      'a.yaml': cm('x'),
      'p.yaml': cm('y'),
    });
    await rejects(dir, /no resource matches strategic merge patch for v1\.ConfigMap\/y/);
  });

  it('reports a cycle between kustomizations', async () => {
    const dir = tree({
      'a/kustomization.yaml': 'resources:\n- ../b\n',
      'b/kustomization.yaml': 'resources:\n- ../a\n',
    });
    await rejects(path.join(dir, 'a'), /cycle/);
  });

  it('refuses remote bases and names them', async () => {
    const dir = tree({
      'kustomization.yaml': 'resources:\n- https://github.com/example/repo//base?ref=v1\n',
    });
    await rejects(
      dir,
      /remote resource 'https:\/\/github\.com\/example\/repo\/\/base\?ref=v1' is not supported/,
    );
  });

  it('refuses exec plugins and helm charts', async () => {
    const gen = tree({
      'kustomization.yaml': 'generators:\n- gen.yaml\n',
      'gen.yaml':
        'apiVersion: example.com/v1\nkind: MyGenerator\nmetadata:\n  name: g\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./run.sh\n',
    });
    await rejects(gen, /plugin example\.com\/v1\/MyGenerator is not supported/);
    await rejects(
      tree({ 'kustomization.yaml': 'helmCharts:\n- name: x\n' }),
      /'helmCharts' is not supported/,
    );
  });

  it('keeps files inside the kustomization directory (load restrictor)', async () => {
    const dir = tree({ 'secret.yaml': cm('s'), 'app/kustomization.yaml': 'resources:\n- ../secret.yaml\n' });
    await rejects(path.join(dir, 'app'), /is not in or below the kustomization directory/);
  });

  it('does not follow a symlink out of the root', async () => {
    const outside = tree({ 'x.yaml': cm('outside') });
    const dir = tree({ 'kustomization.yaml': 'resources:\n- link.yaml\n' });
    symlinkSync(path.join(outside, 'x.yaml'), path.join(dir, 'link.yaml'));
    await rejects(dir, /outside the root/, { root: dir });
  });

  it('does not read a base outside the root', async () => {
    const dir = tree({
      'base/kustomization.yaml': 'resources:\n- a.yaml\n',
      'base/a.yaml': cm('a'),
      'app/kustomization.yaml': 'resources:\n- ../base\n',
    });
    await rejects(path.join(dir, 'app'), /outside the root/, { root: path.join(dir, 'app') });
    const objects = build(path.join(dir, 'app'), { root: dir });
    assert.equal(objects.length, 1);
  });

  it('requires a kustomization file', async () => {
    await rejects(tree({ 'a.yaml': cm('a') }), /no kustomization file found/);
  });
});
