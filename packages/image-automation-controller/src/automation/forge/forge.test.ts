import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decide, ForgeError, forgeAddress, type PullRequest, repositoryPath } from './forge.ts';
import { githubApiBase } from './github.ts';

const wish = {
  head: 'weft/update/app',
  headCommit: 'c2',
  base: 'main',
  title: 'Update app to 1.1.0',
  body: 'body',
};
const request = (overrides: Partial<PullRequest>): PullRequest => ({
  number: 1,
  url: 'https://forge.example/org/app/pulls/1',
  open: true,
  headCommit: 'c1',
  title: wish.title,
  body: wish.body,
  ...overrides,
});

describe('decide', () => {
  test('no request yet: open one', () => {
    assert.deepEqual(decide([], wish), { do: 'create' });
  });

  test('an open request with the same title and body is kept; one with others is updated', () => {
    const same = request({});
    assert.deepEqual(decide([same], wish), { do: 'keep', request: same });
    const older = request({ title: 'Update app to 1.0.1' });
    assert.deepEqual(decide([older], wish), { do: 'update', request: older });
  });

  test('the open request wins over closed ones', () => {
    const closed = request({ number: 1, open: false, headCommit: 'c2' });
    const open = request({ number: 2, title: 'old' });
    assert.deepEqual(decide([closed, open], wish), { do: 'update', request: open });
  });

  test('a request merged or closed at this head commit is left alone; at an older one, a new request', () => {
    const settled = request({ open: false, headCommit: 'c2' });
    assert.deepEqual(decide([settled], wish), { do: 'leave', request: settled });
    assert.deepEqual(decide([request({ open: false, headCommit: 'c1' })], wish), { do: 'create' });
  });
});

describe('repositoryPath', () => {
  test('owner and name from http(s), ssh and scp-like URLs', () => {
    assert.equal(repositoryPath('https://gitea.example/org/app.git'), 'org/app');
    assert.equal(repositoryPath('http://127.0.0.1:3000/org/app'), 'org/app');
    assert.equal(repositoryPath('ssh://git@gitea.example:2222/org/app.git'), 'org/app');
    assert.equal(repositoryPath('git@github.com:org/app.git'), 'org/app');
    assert.equal(repositoryPath('https://gitlab.example/group/sub/app.git/'), 'group/sub/app');
  });

  test('a URL without an owner is refused', () => {
    assert.throws(() => repositoryPath('https://forge.example/app.git'), ForgeError);
  });
});

describe('forgeAddress', () => {
  test('the address when set, else the repository URL origin', () => {
    assert.equal(forgeAddress('ssh://git@x/org/app', 'https://gitea.example/'), 'https://gitea.example');
    assert.equal(forgeAddress('http://127.0.0.1:3000/org/app.git', undefined), 'http://127.0.0.1:3000');
  });

  test('an ssh repository without an address says what to set', () => {
    assert.throws(() => forgeAddress('ssh://git@x/org/app', undefined), /pullRequest\.address/);
  });
});

test('githubApiBase: api.github.com for github.com, /api/v3 for GitHub Enterprise Server', () => {
  assert.equal(githubApiBase('https://github.com'), 'https://api.github.com');
  assert.equal(githubApiBase('https://ghe.example.com'), 'https://ghe.example.com/api/v3');
});
