/**
 * ImagePolicy end to end: semver, alphabetical, numerical, filterTags, digest reflection,
 * cross-namespace access, a missing repository; and a controller restart that reads the
 * stored tags instead of rescanning (the real apiserver and OCI registry).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { reflectorSuite, registryAuth } from './reflector-fixture.ts';
import { conditionOf, eventually, pushTags, startReflector } from './reflector-helpers.ts';

const suite = await reflectorSuite();
const { kubeConfig, namespace, otherNamespace, shard, front, publisher, storageDir, kinds, image } = suite;
const _auth = registryAuth;

describe('ImagePolicy', () => {
  before(async () => {
    await pushTags(publisher, 'apps/web', [
      '1.0.0',
      '1.2.0',
      'v1.10.0',
      '2.0.0-rc.1',
      'main-abc-1700000100',
      'main-def-1700000200',
      'dev-zzz-1800000000',
      '7',
      '12',
      'RELEASE.2024-01-02T00-00-00Z',
      'RELEASE.2024-03-01T00-00-00Z',
    ]);
    await kinds.create('ImageRepository', 'web', {
      image: image('apps/web'),
      interval: '1h',
      insecure: true,
    });
    await kinds.waitReady('ImageRepository', 'web');
  });

  const policy = (name: string, spec: Record<string, unknown>) =>
    kinds.create('ImagePolicy', name, { imageRepositoryRef: { name: 'web' }, ...spec });
  const latestTag = async (name: string) =>
    (await kinds.waitReady('ImagePolicy', name)).status?.latestRef?.tag;

  it('semver, alphabetical, numerical and filterTags with extract pick the right tag', async () => {
    await policy('semver', { policy: { semver: { range: '>=1.0.0 <2.0.0' } } });
    await policy('semver-rc', { policy: { semver: { range: '>=2.0.0-0 <3.0.0' } } });
    await policy('alpha', {
      filterTags: { pattern: '^RELEASE\\.(?P<timestamp>.*)Z$', extract: '$timestamp' },
      policy: { alphabetical: { order: 'asc' } },
    });
    await policy('numeric', { filterTags: { pattern: '^[0-9]+$' }, policy: { numerical: { order: 'asc' } } });
    await policy('built', {
      filterTags: { pattern: '^main-[a-z]+-(?P<ts>[0-9]+)$', extract: '$ts' },
      policy: { numerical: { order: 'asc' } },
    });
    assert.equal(await latestTag('semver'), 'v1.10.0');
    assert.equal(await latestTag('semver-rc'), '2.0.0-rc.1');
    assert.equal(await latestTag('alpha'), 'RELEASE.2024-03-01T00-00-00Z');
    assert.equal(await latestTag('numeric'), '12');
    assert.equal(await latestTag('built'), 'main-def-1700000200');
    const obj = await kinds.get('ImagePolicy', 'semver');
    assert.deepEqual(obj.status?.latestRef, { name: image('apps/web'), tag: 'v1.10.0' }, 'Never: no digest');
    assert.equal(
      conditionOf(obj, 'Ready')?.message,
      `Latest image tag for ${image('apps/web')} resolved to v1.10.0`,
    );
  });

  it('a new tag reaches the policy as soon as the repository is rescanned, with the previous ref and an Event', async () => {
    await pushTags(publisher, 'apps/web', ['1.11.0']);
    await kinds.reconcileNow('ImageRepository', 'web');
    const obj = await kinds.waitReady('ImagePolicy', 'semver', (o) => o.status?.latestRef?.tag === '1.11.0');
    assert.deepEqual(obj.status?.observedPreviousRef, { name: image('apps/web'), tag: 'v1.10.0' });
    assert.match(
      conditionOf(obj, 'Ready')?.message ?? '',
      /resolved to 1\.11\.0 \(previously .*:v1\.10\.0\)/,
    );
    await eventually('an Event naming the new tag', async () =>
      (await kinds.eventNotes('semver')).find((note) => /resolved to 1\.11\.0/.test(note)),
    );
  });

  it('a range matching nothing says so and lists tags it saw; a bad range stalls', async () => {
    await policy('nothing', { policy: { semver: { range: '>=100.0.0' } } });
    const obj = await kinds.waitNotReady('ImagePolicy', 'nothing', 'Failure');
    const message = conditionOf(obj, 'Ready')?.message ?? '';
    assert.match(
      message,
      /no tag of .*apps\/web matches semver range '>=100\.0\.0' \(12 tags seen; latest by name: v1\.10\.0, /,
    );
    await policy('bad-range', { policy: { semver: { range: 'not-a-range' } } });
    const bad = await kinds.waitFor(
      'ImagePolicy',
      'bad-range',
      'Stalled',
      (o) => conditionOf(o, 'Stalled')?.status === 'True',
    );
    assert.equal(conditionOf(bad, 'Ready')?.reason, 'InvalidPolicy');
  });

  it('digest reflection: IfNotPresent resolves once, Always follows a moved tag at spec.interval', async () => {
    const [first] = (await pushTags(publisher, 'apps/mutable', ['stable'])).values();
    await kinds.create('ImageRepository', 'mutable', {
      image: image('apps/mutable'),
      interval: '1h',
      insecure: true,
    });
    await kinds.waitReady('ImageRepository', 'mutable');
    const ref = { imageRepositoryRef: { name: 'mutable' }, policy: { alphabetical: { order: 'asc' } } };
    await kinds.create('ImagePolicy', 'once', { ...ref, digestReflectionPolicy: 'IfNotPresent' });
    await kinds.create('ImagePolicy', 'always', { ...ref, digestReflectionPolicy: 'Always', interval: '2s' });
    assert.equal((await kinds.waitReady('ImagePolicy', 'once')).status?.latestRef?.digest, first);
    assert.equal((await kinds.waitReady('ImagePolicy', 'always')).status?.latestRef?.digest, first);
    // Move the tag to another manifest: same tag list, so only Always sees it.
    const config = await publisher.pushBlob(
      'apps/mutable',
      Buffer.from('{}'),
      'application/vnd.oci.empty.v1+json',
    );
    const moved = await publisher.pushManifest(
      'apps/mutable',
      'stable',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config,
          layers: [],
          annotations: { moved: 'yes' },
        }),
      ),
      'application/vnd.oci.image.manifest.v1+json',
    );
    const always = await kinds.waitReady(
      'ImagePolicy',
      'always',
      (o) => o.status?.latestRef?.digest === moved,
    );
    assert.deepEqual(always.status?.observedPreviousRef, {
      name: image('apps/mutable'),
      tag: 'stable',
      digest: first,
    });
    await kinds.reconcileNow('ImagePolicy', 'once');
    assert.equal(
      (await kinds.get('ImagePolicy', 'once')).status?.latestRef?.digest,
      first,
      'IfNotPresent keeps it',
    );
  });

  it('cross-namespace: refused without accessFrom, allowed when a selector matches the namespace', async () => {
    const crossRef = { imageRepositoryRef: { name: 'web', namespace }, policy: { semver: { range: '1.x' } } };
    await kinds.create('ImagePolicy', 'cross', crossRef, otherNamespace);
    const denied = await kinds.waitNotReady('ImagePolicy', 'cross', 'AccessDenied', otherNamespace);
    assert.match(
      conditionOf(denied, 'Ready')?.message ?? '',
      /cannot be used from namespace .*: it has no spec.accessFrom/,
    );
    await kinds.patchSpec('ImageRepository', 'web', {
      accessFrom: {
        namespaceSelectors: [{ matchLabels: { 'kubernetes.io/metadata.name': otherNamespace } }],
      },
    });
    const allowed = await kinds.waitReady('ImagePolicy', 'cross', () => true, otherNamespace);
    assert.equal(allowed.status?.latestRef?.tag, '1.11.0');
  });

  it('a missing repository is DependencyNotReady, and the policy resolves once it is scanned', async () => {
    await kinds.create('ImagePolicy', 'early', {
      imageRepositoryRef: { name: 'late' },
      policy: { semver: { range: '*' } },
    });
    await kinds.waitNotReady('ImagePolicy', 'early', 'DependencyNotReady');
    await pushTags(publisher, 'apps/late', ['0.1.0']);
    await kinds.create('ImageRepository', 'late', {
      image: image('apps/late'),
      interval: '1h',
      insecure: true,
    });
    assert.equal((await kinds.waitReady('ImagePolicy', 'early')).status?.latestRef?.tag, '0.1.0');
  });
});

describe('restart', () => {
  it('a restarted controller rescans nothing that is not due, and policies read the stored tags', async () => {
    const names = ['r1', 'r2', 'r3', 'r4', 'r5'];
    for (const name of names) {
      await pushTags(publisher, `restart/${name}`, ['1.0.0', '1.1.0']);
      await kinds.create('ImageRepository', name, {
        image: image(`restart/${name}`),
        interval: '1h',
        insecure: true,
      });
    }
    for (const name of names) await kinds.waitReady('ImageRepository', name);
    await suite.controller?.stop();
    // Each scanned (more than once if a status write after a scan failed on a loaded apiserver).
    const before = names.map((name) => front.tagLists(`restart/${name}`));
    assert.ok(
      before.every((requests) => requests >= 1),
      `every repository scanned: ${before.join(', ')}`,
    );
    suite.controller = await startReflector(kubeConfig, storageDir, shard);
    for (const name of names)
      await kinds.create('ImagePolicy', `after-${name}`, {
        imageRepositoryRef: { name },
        policy: { semver: { range: '1.x' } },
      });
    for (const name of names)
      assert.equal((await kinds.waitReady('ImagePolicy', `after-${name}`)).status?.latestRef?.tag, '1.1.0');
    assert.deepEqual(
      names.map((name) => front.tagLists(`restart/${name}`)),
      before,
      'no tag list fetched after the restart',
    );
    // A lost store is rescanned: correctness first.
    await suite.controller.stop();
    const emptyStore = await mkdtemp(join(tmpdir(), 'weft-irc-empty-'));
    suite.controller = await startReflector(kubeConfig, emptyStore, shard);
    await eventually('r1 rescanned into the new store', () =>
      front.tagLists('restart/r1') > (before[0] ?? 0) ? true : undefined,
    );
    await suite.controller.stop();
    suite.controller = await startReflector(kubeConfig, storageDir, shard);
    await rm(emptyStore, { recursive: true, force: true });
  });
});
