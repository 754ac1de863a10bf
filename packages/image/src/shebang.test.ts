import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeFlagsFromShebang } from './shebang.ts';

test('the flags of an env -S shebang, in order', () => {
  const source = '#!/usr/bin/env -S node --max-semi-space-size=2 --max-old-space-size=512\n// x\n';
  assert.deepEqual(nodeFlagsFromShebang(source), ['--max-semi-space-size=2', '--max-old-space-size=512']);
});

test('a plain node shebang has no flags', () => {
  assert.deepEqual(nodeFlagsFromShebang('#!/usr/bin/env node\nimport x;\n'), []);
});

test('anything else is refused', () => {
  assert.throws(() => nodeFlagsFromShebang('#!/bin/sh\n'), /not a node shebang/);
  assert.throws(() => nodeFlagsFromShebang('import x;\n'), /not a node shebang/);
});
