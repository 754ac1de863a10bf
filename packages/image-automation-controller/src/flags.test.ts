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
