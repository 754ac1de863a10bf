import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectLayer } from './artifact/layer.ts';
import { parseImageIndex, parseManifest } from './manifest.ts';
import { MediaType } from './media-types.ts';

const descriptor = (mediaType: string, n: number) => ({
  mediaType,
  digest: `sha256:${String(n).repeat(64)}`,
  size: n,
});
const manifestOf = (layers: ReturnType<typeof descriptor>[]) =>
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: descriptor(MediaType.fluxConfig, 1),
      layers,
    }),
  );

test('parses OCI and Docker manifests, refuses indexes and junk', () => {
  const parsed = parseManifest(manifestOf([descriptor(MediaType.fluxContent, 2)]), undefined, 'r');
  assert.equal(parsed.layers[0]?.mediaType, MediaType.fluxContent);
  const docker = Buffer.from(JSON.stringify({ schemaVersion: 2, config: descriptor('c', 1), layers: [] }));
  assert.equal(parseManifest(docker, MediaType.dockerManifest, 'r').mediaType, MediaType.dockerManifest);
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] }),
  );
  assert.throws(() => parseManifest(index, undefined, 'r'), /image index/);
  assert.throws(() => parseManifest(Buffer.from('nope'), undefined, 'r'), /not JSON/);
  const bad = Buffer.from(JSON.stringify({ schemaVersion: 2, config: {}, layers: [] }));
  assert.throws(() => parseManifest(bad, MediaType.ociManifest, 'r'), /config descriptor/);
});

test('selects the named layer, else the first content tarball, else the first', () => {
  const other = descriptor('application/x-other', 3);
  const weft = descriptor(MediaType.weftContent, 4);
  const flux = descriptor(MediaType.fluxContent, 5);
  const manifest = parseManifest(manifestOf([other, weft, flux]), undefined, 'r');
  assert.equal(selectLayer(manifest, undefined, 'r'), manifest.layers[1]);
  assert.equal(selectLayer(manifest, MediaType.fluxContent, 'r'), manifest.layers[2]);
  assert.throws(
    () => selectLayer(manifest, 'application/missing', 'r'),
    /no layer of media type application\/missing/,
  );
  const onlyOther = parseManifest(manifestOf([other]), undefined, 'r');
  assert.equal(selectLayer(onlyOther, undefined, 'r'), onlyOther.layers[0]);
});

test('an image index (referrers) gives its descriptors with their artifact types', () => {
  const digest = `sha256:${'c'.repeat(64)}`;
  const entries = parseImageIndex(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [
          { mediaType: MediaType.ociManifest, digest, size: 10, artifactType: MediaType.sigstoreBundle },
        ],
      }),
    ),
    'r@x',
  );
  assert.deepEqual(
    entries.map((entry) => [entry.digest, entry.artifactType]),
    [[digest, MediaType.sigstoreBundle]],
  );
  assert.deepEqual(parseImageIndex(Buffer.from('{"schemaVersion":2}'), 'r@x'), []);
  assert.throws(
    () => parseImageIndex(Buffer.from('{"manifests":[{"digest":1}]}'), 'r@x'),
    /invalid manifests list/,
  );
});
