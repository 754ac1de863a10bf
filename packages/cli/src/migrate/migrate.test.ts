import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { onlyComponents, weftVersion } from '@weft/install';
import { bootstrapComponents } from '../bootstrap/manifests.ts';
import { migrationReport } from '../commands/migrate.ts';
import { applyMigration, planMigration } from './plan.ts';
import { mapApiVersion, mapBootstrapName, mapKey } from './rules.ts';
import { applyEdits, findEdits } from './yaml-edits.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures');
const scratch = await mkdtemp(join(tmpdir(), 'weft-migrate-'));
after(() => rm(scratch, { recursive: true, force: true }));

async function tree(root: string, dir = root): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await tree(root, path)));
    else found.push(relative(root, path));
  }
  return found.sort();
}

describe('weft migrate rules', () => {
  it('maps each Flux group to weft, with the version of weft kind', () => {
    assert.deepEqual(mapApiVersion('helm.toolkit.fluxcd.io/v2', 'HelmRelease'), {
      kind: 'map',
      after: 'helm.weft.dev/v1',
      rule: 'API group',
    });
    assert.equal(mapApiVersion('kustomize.toolkit.fluxcd.io', undefined).kind, 'map');
    const old = mapApiVersion('kustomize.toolkit.fluxcd.io/v1beta2', 'Kustomization');
    assert.equal(old.kind === 'map' && old.after, 'kustomize.weft.dev/v1');
    assert.match(old.kind === 'map' ? (old.warning ?? '') : '', /older Flux API/);
    assert.deepEqual(mapApiVersion('source.toolkit.fluxcd.io/v1', 'ExternalArtifact'), {
      kind: 'unmapped',
      reason: "weft's source.weft.dev has no kind ExternalArtifact",
    });
    assert.deepEqual(mapApiVersion('apps/v1', 'Deployment'), { kind: 'keep' });
  });

  it('maps the annotations and labels weft has, and reports the others', () => {
    assert.equal(
      (mapKey('kustomize.toolkit.fluxcd.io/ssa') as { after: string }).after,
      'kustomize.weft.dev/ssa',
    );
    assert.equal(
      (mapKey('reconcile.fluxcd.io/requestedAt') as { after: string }).after,
      'reconcile.weft.dev/requestedAt',
    );
    assert.equal(mapKey('fluxcd.io/automated').kind, 'unmapped');
    assert.equal(mapKey('app.kubernetes.io/name').kind, 'keep');
  });

  it('renames the bootstrap names, paths and files, never a URL', () => {
    assert.equal((mapBootstrapName('flux-system') as { after: string }).after, 'weft-system');
    assert.equal(
      (mapBootstrapName('./clusters/prod/flux-system') as { after: string }).after,
      './clusters/prod/weft-system',
    );
    assert.equal((mapBootstrapName('gotk-sync.yaml') as { after: string }).after, 'weft-sync.yaml');
    assert.deepEqual(mapBootstrapName('https://example.com/org/flux-system'), { kind: 'keep' });
    assert.deepEqual(mapBootstrapName('git@example.com:org/flux-system'), { kind: 'keep' });
    assert.deepEqual(mapBootstrapName('flux-system-backup'), { kind: 'keep' });
  });

  it('edits only the bytes of the changed scalars, whatever their quoting', () => {
    const text = [
      '# a comment: flux-system stays in comments',
      "apiVersion: 'kustomize.toolkit.fluxcd.io/v1'   # trailing",
      'kind: Kustomization',
      'metadata: {name: apps, namespace: "flux-system", labels: {kustomize.toolkit.fluxcd.io/name: x}}',
      '',
    ].join('\n');
    const { edits, unmapped } = findEdits(text);
    assert.deepEqual(unmapped, []);
    assert.equal(
      applyEdits(text, edits),
      [
        '# a comment: flux-system stays in comments',
        "apiVersion: 'kustomize.weft.dev/v1'   # trailing",
        'kind: Kustomization',
        'metadata: {name: apps, namespace: "weft-system", labels: {kustomize.weft.dev/name: x}}',
        '',
      ].join('\n'),
    );
  });

  it('reports a value written with escapes instead of re-serialising it', () => {
    const { edits, unmapped } = findEdits(
      'apiVersion: "kustomize.toolkit.fluxcd.io\\/v1"\nkind: Kustomization\n',
    );
    assert.deepEqual(edits, []);
    assert.match(unmapped[0]?.reason ?? '', /change it by hand to kustomize\.weft\.dev\/v1/);
  });
});

describe('weft migrate on a flux bootstrap repository', () => {
  it('writes exactly the expected bytes, moves the bootstrap files, and reports what it cannot map', async () => {
    const repo = join(scratch, 'repo');
    await cp(join(fixtures, 'flux-repo'), repo, { recursive: true });
    const plan = await planMigration(repo);
    const report = migrationReport(plan);
    await applyMigration(plan);

    const expectedRoot = join(fixtures, 'flux-repo.migrated');
    const components = 'clusters/my-cluster/weft-system/weft-components.yaml';
    assert.deepEqual(await tree(repo), [...(await tree(expectedRoot)), components].sort());
    for (const path of await tree(expectedRoot)) {
      assert.equal(
        await readFile(join(repo, path), 'utf8'),
        await readFile(join(expectedRoot, path), 'utf8'),
        `${path} differs from the expected migration`,
      );
    }
    const kept = [
      'source-controller',
      'kustomize-controller',
      'helm-controller',
      'notification-controller',
      'image-automation-controller',
    ] as const;
    assert.equal(
      await readFile(join(repo, components), 'utf8'),
      bootstrapComponents({
        namespace: 'weft-system',
        values: onlyComponents(kept),
        components: kept,
        version: weftVersion,
      }),
    );

    assert.match(
      report,
      /^clusters\/my-cluster\/flux-system\/gotk-sync\.yaml → clusters\/my-cluster\/weft-system\/weft-sync\.yaml$/m,
    );
    assert.match(report, /^ {2}16: flux-system → weft-system \(setter marker\)$/m);
    assert.match(report, /✗ not mapped: kustomize\.toolkit\.fluxcd\.io\/force: weft has no equivalent/);
    assert.match(report, /✗ not mapped: fluxcd\.io\/automated/);
    assert.match(
      report,
      /replaced: replaced by weft's components \(source-controller,kustomize-controller,helm-controller,notification-controller,image-automation-controller\)/,
    );
    assert.equal(plan.files.flatMap((file) => file.unmapped).length, 2);
  });

  it('a second run finds nothing left to change', async () => {
    const repo = join(scratch, 'repo');
    const plan = await planMigration(repo);
    assert.deepEqual(
      plan.files.filter((file) => file.edits.length > 0 || file.to !== file.from),
      [],
    );
  });
});
