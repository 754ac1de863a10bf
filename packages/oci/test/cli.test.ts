import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type OciRegistry, pullManifest, startOciRegistry } from '@weft/e2e';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/weft-artifact.js', import.meta.url));
const auth = { username: 'ci', password: 'cli-secret' };
let registry: OciRegistry;
let work: string;

before(async () => {
  registry = await startOciRegistry({ auth });
  work = await mkdtemp(join(tmpdir(), 'weft-artifact-cli-'));
});
after(async () => {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
});

const env = () => ({ ...process.env, WEFT_OCI_CREDS: `${auth.username}:${auth.password}`, HOME: work });

test('push, tag, list and pull artifact through the bin', async () => {
  const content = join(work, 'content');
  await import('node:fs/promises').then((fs) => fs.mkdir(content));
  await writeFile(join(content, 'app.yaml'), 'kind: Namespace\n');
  const url = registry.ociUrl('ci/app');
  const pushed = await run(
    bin,
    [
      'push',
      'artifact',
      `${url}:v1`,
      `--path=${content}`,
      '--source=https://git/app',
      '--revision=main@sha1:1234',
      '--insecure-registry',
    ],
    { env: env() },
  );
  assert.match(pushed.stdout, /^pushed 127\.0\.0\.1:\d+\/ci\/app:v1@sha256:[a-f0-9]{64}\n$/);
  const { manifest } = await pullManifest({ url: registry.url, auth }, 'ci/app', 'v1');
  assert.equal(manifest.annotations?.['org.opencontainers.image.revision'], 'main@sha1:1234');
  await run(bin, ['tag', 'artifact', `${url}:v1`, '--tag=latest', '--insecure-registry'], { env: env() });
  const listed = await run(bin, ['list', 'artifacts', url, '--insecure-registry'], { env: env() });
  assert.match(listed.stdout, /ci\/app:latest\s+sha256:\S+\s+https:\/\/git\/app\s+main@sha1:1234/);
  assert.match(listed.stdout, /ci\/app:v1\s/);
  const out = join(work, 'out');
  await run(bin, ['pull', 'artifact', `${url}:latest`, `--output=${out}`, '--insecure-registry'], {
    env: env(),
  });
  assert.equal(await readFile(join(out, 'app.yaml'), 'utf8'), 'kind: Namespace\n');
});

test('a wrong password fails with exit 1 and no password in the output', async () => {
  const failed = await run(
    bin,
    ['list', 'artifacts', registry.ociUrl('ci/app'), '--insecure-registry', '--creds=ci:wrong-pass'],
    {
      env: { ...process.env, HOME: work },
    },
  ).then(
    () => undefined,
    (error: { code: number; stderr: string }) => error,
  );
  assert.ok(failed);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /authentication to 127\.0\.0\.1:\d+ failed/);
  assert.doesNotMatch(failed.stderr, /wrong-pass/);
});
