import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { docFiles } from '../docs/markdown.ts';
import { type CustomResourceDefinition, crds, DurationPattern, kindDefinitions } from '../index.ts';
import { crdFiles, GenerateCommand } from './files.ts';

const packageDir = join(import.meta.dirname, '..', '..');

function crdOf(kind: string): CustomResourceDefinition {
  const crd = crds().find((candidate) => candidate.spec.names.kind === kind);
  assert.ok(crd, `no CRD for ${kind}`);
  return crd;
}

function specOf(kind: string) {
  const spec = crdOf(kind).spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
  assert.ok(spec, `no spec schema for ${kind}`);
  return spec;
}

async function assertFresh(dir: string, files: Map<string, string>): Promise<void> {
  for (const [name, expected] of files) {
    let actual: string;
    try {
      actual = await readFile(join(dir, name), 'utf8');
    } catch {
      assert.fail(`${join(dir, name)} is missing: run \`${GenerateCommand}\``);
    }
    assert.ok(actual === expected, `${join(dir, name)} is stale: run \`${GenerateCommand}\``);
  }
}

describe('CRDs', () => {
  it('has one CRD per kind, named <plural>.<group>, namespaced, with a status subresource', () => {
    const all = crds();
    assert.equal(all.length, kindDefinitions.length);
    assert.equal(all.length, 13);
    for (const crd of all) {
      assert.equal(crd.metadata.name, `${crd.spec.names.plural}.${crd.spec.group}`);
      assert.equal(crd.spec.scope, 'Namespaced');
      assert.match(crd.spec.group, /^(source|kustomize|helm|image|notification)\.weft\.dev$/);
      assert.equal(crd.spec.versions.length, 1);
      const version = crd.spec.versions[0];
      assert.ok(version);
      assert.equal(version.name, 'v1');
      assert.ok(version.served && version.storage);
      assert.deepEqual(version.subresources, { status: {} });
      assert.ok(crd.spec.names.categories.includes('weft'), `${crd.metadata.name} is not in category weft`);
    }
  });

  it('prints Ready, Status and Age on every kind, and the revision where there is one', () => {
    for (const crd of crds()) {
      const columns = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
      const byName = new Map(columns.map((column) => [column.name, column]));
      assert.equal(
        byName.get('Ready')?.jsonPath,
        '.status.conditions[?(@.type=="Ready")].status',
        crd.metadata.name,
      );
      assert.equal(byName.get('Status')?.jsonPath, '.status.conditions[?(@.type=="Ready")].message');
      assert.equal(byName.get('Age')?.type, 'date');
    }
    const revision = (kind: string) =>
      crdOf(kind).spec.versions[0]?.additionalPrinterColumns.find((column) => column.name === 'Revision')
        ?.jsonPath;
    assert.equal(revision('GitRepository'), '.status.artifact.revision');
    assert.equal(revision('OCIRepository'), '.status.artifact.revision');
    assert.equal(revision('Kustomization'), '.status.lastAppliedRevision');
    assert.equal(revision('HelmRelease'), '.status.lastAttemptedRevision');
  });

  it('uses Flux short names', () => {
    const shortNames = Object.fromEntries(
      crds().map((crd) => [crd.spec.names.kind, crd.spec.names.shortNames ?? []]),
    );
    assert.deepEqual(shortNames.GitRepository, ['gitrepo']);
    assert.deepEqual(shortNames.HelmRepository, ['helmrepo']);
    assert.deepEqual(shortNames.HelmChart, ['hc']);
    assert.deepEqual(shortNames.OCIRepository, ['ocirepo']);
    assert.deepEqual(shortNames.Kustomization, ['ks']);
    assert.deepEqual(shortNames.HelmRelease, ['hr']);
    assert.deepEqual(shortNames.ImageRepository, ['imgrepo']);
    assert.deepEqual(shortNames.ImagePolicy, ['imgpol']);
    assert.deepEqual(shortNames.ImageUpdateAutomation, ['imgupd']);
  });

  it('validates and defaults as Flux does', () => {
    const git = specOf('GitRepository');
    assert.deepEqual(git.required, ['url', 'interval']);
    assert.equal(git.properties?.interval?.pattern, DurationPattern);
    assert.equal(git.properties?.timeout?.default, '60s');
    assert.equal(git.properties?.url?.pattern, '^(http|https|ssh)://.*$');
    assert.equal(
      git.properties?.ref?.properties?.branch?.default,
      undefined,
      'Flux defaults the branch in code, not in the CRD',
    );
    assert.equal(specOf('HelmChart').properties?.version?.default, '*');
    assert.equal(specOf('HelmChart').properties?.reconcileStrategy?.default, 'ChartVersion');
    assert.deepEqual(specOf('Kustomization').required, ['interval', 'prune', 'sourceRef']);
    assert.equal(specOf('Kustomization').properties?.force?.default, false);
    assert.equal(specOf('HelmRelease').properties?.values?.['x-kubernetes-preserve-unknown-fields'], true);
    assert.ok(
      specOf('HelmRelease')['x-kubernetes-validations']?.some((rule) => rule.rule.includes('chartRef')),
    );
    assert.equal(specOf('Alert').properties?.eventSeverity?.default, 'info');
    assert.equal(specOf('Receiver').properties?.interval?.default, '10m');
    assert.deepEqual(specOf('ImageRepository').properties?.exclusionList?.default, ['^.*\\.sig$']);
    for (const crd of crds()) {
      const status = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.status;
      assert.deepEqual(status?.default, { observedGeneration: -1 }, crd.metadata.name);
      assert.equal(status?.properties?.conditions?.['x-kubernetes-list-type'], 'map');
    }
  });

  it('matches the committed files in crds/', async () => {
    const files = crdFiles();
    assert.equal(files.size, 14);
    assert.ok(files.has('source.weft.dev_gitrepositories.yaml'));
    await assertFresh(join(packageDir, 'crds'), files);
  });

  it('matches the committed API reference in docs/api/', async () => {
    await assertFresh(join(packageDir, '..', '..', 'docs', 'api'), docFiles());
  });
});
