import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImageAutomationFlags } from './flags.ts';

test('reflector flags: --storage-path (default /data) and --no-cross-namespace-refs', () => {
  assert.deepEqual(parseImageAutomationFlags([], {}).reflector, {
    storagePath: '/data',
    noCrossNamespaceRefs: false,
  });
  assert.deepEqual(
    parseImageAutomationFlags(['--storage-path=/var/tags', '--no-cross-namespace-refs'], {}).reflector,
    {
      storagePath: '/var/tags',
      noCrossNamespaceRefs: true,
    },
  );
});

test('automation flags: --no-cross-namespace-refs applies to sourceRef too; --max-git-checkouts', () => {
  assert.deepEqual(parseImageAutomationFlags([], {}).automation, {
    noCrossNamespaceRefs: false,
    maxCheckouts: 32,
  });
  assert.deepEqual(
    parseImageAutomationFlags(['--no-cross-namespace-refs', '--max-git-checkouts=4'], {}).automation,
    { noCrossNamespaceRefs: true, maxCheckouts: 4 },
  );
  assert.throws(() => parseImageAutomationFlags(['--max-git-checkouts=0'], {}), /at least 1/);
  assert.throws(() => parseImageAutomationFlags(['--max-git-checkouts=many'], {}), /whole number/);
});
