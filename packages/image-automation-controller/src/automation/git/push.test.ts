/** Batched commits and pushes against a real Git server (git http-backend). */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type GitHttpServer, startGitHttpServer } from '@weft/e2e';
import { Remote } from '@weft/git';
import { CheckoutCache } from './checkouts.ts';
import { type AutomationRun, PushBatcher, type PushTarget } from './push.ts';

let server: GitHttpServer;
let workDir: string;

before(async () => {
  server = await startGitHttpServer();
  workDir = await mkdtemp(join(tmpdir(), 'weft-push-'));
});

after(async () => {
  await server?.stop();
  await rm(workDir, { recursive: true, force: true });
});

const author = { name: 'bot', email: 'bot@example.invalid' };

/** A run that sets `file` to `content` (nothing to commit when it already holds it). */
const setFile = (file: string, content: string): AutomationRun<string> => ({
  author,
  now: () => new Date(0),
  update: async (dir) => {
    const path = join(dir, file);
    const before = await readFile(path, 'utf8').catch(() => '');
    if (before === content) return { files: [], result: file };
    await writeFile(path, content);
    return { files: [file], result: file };
  },
  message: (changed) => `update ${changed}`,
});

const receivePacks = () =>
  server.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/git-receive-pack'))
    .length;

describe('PushBatcher', () => {
  test('runs that arrive together: one commit each, one push; a failing run takes no other down', async () => {
    await server.createRepo('batch', { 'a.yaml': 'a1\n', 'b.yaml': 'b1\n', 'c.yaml': 'c1\n' });
    const batcher = new PushBatcher({ checkouts: new CheckoutCache({ parent: join(workDir, 'batch') }) });
    const target: PushTarget = {
      remote: new Remote({ url: server.url('batch') }),
      checkout: { branch: 'main' },
      pushBranch: 'main',
    };
    const broken: AutomationRun<string> = {
      ...setFile('c.yaml', 'half written\n'),
      message: () => {
        throw new Error('bad template');
      },
    };
    const pushesBefore = receivePacks();
    const [a, b, c, same, bad] = await Promise.allSettled([
      batcher.submit('g', target, setFile('a.yaml', 'a2\n')),
      batcher.submit('g', target, setFile('b.yaml', 'b2\n')),
      batcher.submit('g', target, setFile('c.yaml', 'c2\n')),
      batcher.submit('g', target, setFile('a.yaml', 'a2\n')),
      batcher.submit('g', target, broken),
    ]);
    assert.equal(bad.status, 'rejected');
    assert.match(String((bad as PromiseRejectedResult).reason), /bad template/);
    const outcomes = [a, b, c, same].map((result) => {
      assert.equal(result.status, 'fulfilled');
      return (result as PromiseFulfilledResult<Awaited<ReturnType<PushBatcher['submit']>>>).value;
    });
    assert.equal(outcomes[3]?.pushed, false, 'already done by an earlier run of the batch');
    const head = await server.revParse('batch', 'main');
    const commits = outcomes.slice(0, 3).map((outcome) => (outcome.pushed ? outcome.commit : ''));
    assert.equal(commits[2], head);
    // One commit per run, each on the previous one.
    assert.equal(await server.revParse('batch', `${head}^`), commits[1]);
    assert.equal(await server.revParse('batch', `${head}^^`), commits[0]);
    assert.equal(await server.repos.readFile('batch', head, 'c.yaml'), 'c2\n', 'the broken run left nothing');
    // All five were asked for before the first batch started: one push for them all.
    assert.equal(receivePacks() - pushesBefore, 1);
  });

  test('runs submitted while a batch is under way wait (busy) and go together in the next one', async () => {
    await server.createRepo('next', { 'a.yaml': 'a1\n', 'b.yaml': 'b1\n', 'c.yaml': 'c1\n' });
    const batcher = new PushBatcher({ checkouts: new CheckoutCache({ parent: join(workDir, 'next') }) });
    const target: PushTarget = {
      remote: new Remote({ url: server.url('next') }),
      checkout: { branch: 'main' },
      pushBranch: 'main',
    };
    assert.equal(batcher.busy('g'), false);
    const later: Promise<Awaited<ReturnType<PushBatcher['submit']>>>[] = [];
    let busyDuringFirst: boolean | undefined;
    const first: AutomationRun<string> = {
      ...setFile('a.yaml', 'a2\n'),
      update: async (dir) => {
        busyDuringFirst = batcher.busy('g');
        later.push(batcher.submit('g', target, setFile('b.yaml', 'b2\n')));
        later.push(batcher.submit('g', target, setFile('c.yaml', 'c2\n')));
        return setFile('a.yaml', 'a2\n').update(dir);
      },
    };
    const pushesBefore = receivePacks();
    const outcome = await batcher.submit('g', target, first);
    const [b, c] = await Promise.all(later);
    assert.equal(busyDuringFirst, true);
    await new Promise((resolve) => setImmediate(resolve)); // the drain's last look at the queue
    assert.equal(batcher.busy('g'), false, 'nothing under way once all are settled');
    assert.equal(outcome.timing.batchRuns, 1);
    assert.deepEqual([b?.timing.batchRuns, c?.timing.batchRuns], [2, 2], 'b and c in one batch');
    assert.ok(b?.pushed && c?.pushed);
    assert.equal(receivePacks() - pushesBefore, 2, 'one push per batch');
    assert.equal(await server.revParse('next', 'main'), c.commit);
  });

  test('the branch moved under the push: the whole batch is redone on the new head', async () => {
    await server.createRepo('moved', { 'a.yaml': 'a1\n' });
    const batcher = new PushBatcher({ checkouts: new CheckoutCache({ parent: join(workDir, 'moved') }) });
    const target: PushTarget = {
      remote: new Remote({ url: server.url('moved') }),
      checkout: { branch: 'main' },
      pushBranch: 'main',
    };
    let colleague: string | undefined;
    const retries: number[] = [];
    const run: AutomationRun<string> = {
      ...setFile('a.yaml', 'a2\n'),
      update: async (dir) => {
        colleague ??= await server.commit('moved', { 'other.yaml': 'pushed first\n' }, 'colleague');
        return setFile('a.yaml', 'a2\n').update(dir);
      },
      onRetry: (attempt) => retries.push(attempt),
    };
    const outcome = await batcher.submit('g', target, run);
    assert.ok(outcome.pushed);
    assert.equal(outcome.attempts, 2);
    assert.deepEqual(retries, [1]);
    assert.equal(await server.revParse('moved', `${outcome.commit}^`), colleague);
  });
});
