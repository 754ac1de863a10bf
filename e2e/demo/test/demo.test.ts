import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { imagesDir, realNodeUnavailable } from '@weft/e2e';

const run = promisify(execFile);

// Where the demo can run weft in the cluster (root, images built), it must: the test says which.
const inCluster =
  realNodeUnavailable() === undefined &&
  ['source-controller', 'kustomize-controller', 'notification-controller'].every((name) =>
    existsSync(join(imagesDir(), name, 'index.json')),
  );

// The README's main command, end to end: it starts its own control plane, git server and
// controllers, so this test proves the demo a newcomer runs, not a part of it.
test('the demo applies a commit, then a change, alerts Slack about it, and stops leaving nothing behind', async () => {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const { stdout } = await run(process.execPath, [main, '--once'], { timeout: 600_000 });
  assert.match(
    stdout,
    /applied main@sha1:[0-9a-f]{40}: Deployment demo\/web runs 2 replicas of web:1\.0\.0, all Ready/,
  );
  assert.match(
    stdout,
    /applied main@sha1:[0-9a-f]{40}: Deployment demo\/web runs 3 replicas of web:1\.1\.0, all Ready/,
  );
  const revisions = [...stdout.matchAll(/applied (main@sha1:[0-9a-f]{40})/g)].map((m) => m[1]);
  assert.equal(new Set(revisions).size, 2, 'the change is a new revision');
  assert.match(
    stdout,
    new RegExp(`Slack received: Kustomization/weft-system/apps: .*\\(revision ${revisions[1]}\\)`),
  );
  if (inCluster) {
    for (const name of ['source-controller', 'kustomize-controller', 'notification-controller'])
      assert.match(stdout, new RegExp(`${name} runs in pod of weft-system on the real node`));
  } else {
    assert.match(stdout, /the controllers will run as local processes/);
  }
  assert.match(stdout, /stopped; nothing left running/);
});
