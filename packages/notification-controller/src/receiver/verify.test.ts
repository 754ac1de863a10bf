import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { verifyRequest, webhookPath } from './verify.ts';

const body = Buffer.from('{"ref":"refs/heads/main"}');
const sign = (algorithm: string, token: string) =>
  `${algorithm}=${createHmac(algorithm, token).update(body).digest('hex')}`;

describe('receiver verification', () => {
  test('the webhook path is sha256 of token + name + namespace', () => {
    const expected = createHash('sha256').update('tokgithubflux-system').digest('hex');
    assert.equal(webhookPath('tok', 'github', 'flux-system'), `/hook/${expected}`);
  });

  test('github: a valid X-Hub-Signature-256 is accepted, any other refused with 401', () => {
    const headers = { 'x-github-event': 'push', 'x-hub-signature-256': sign('sha256', 'tok') };
    assert.deepEqual(verifyRequest('github', 'tok', headers, body, []), { action: 'accept', event: 'push' });
    const wrong = { ...headers, 'x-hub-signature-256': sign('sha256', 'nope') };
    assert.equal(verifyRequest('github', 'tok', wrong, body, []).action, 'reject');
    assert.equal(verifyRequest('github', 'tok', { 'x-github-event': 'push' }, body, []).action, 'reject');
    const tampered = verifyRequest('github', 'tok', headers, Buffer.from('{"ref":"x"}'), []);
    assert.equal(tampered.action, 'reject');
  });

  test('github: ping is answered without action; events outside spec.events are refused', () => {
    const ping = verifyRequest(
      'github',
      'tok',
      { 'x-github-event': 'ping', 'x-hub-signature-256': sign('sha256', 'tok') },
      body,
      ['push'],
    );
    assert.deepEqual(ping, { action: 'ignore', status: 200, message: 'pong' });
    const issues = verifyRequest(
      'github',
      'tok',
      { 'x-github-event': 'issues', 'x-hub-signature-256': sign('sha256', 'tok') },
      body,
      ['push'],
    );
    assert.equal(issues.action, 'ignore');
    assert.equal(issues.action === 'ignore' ? issues.status : 0, 400);
  });

  test('gitlab: X-Gitlab-Token must equal the token; events filter on X-Gitlab-Event', () => {
    assert.equal(
      verifyRequest('gitlab', 'tok', { 'x-gitlab-token': 'tok', 'x-gitlab-event': 'Push Hook' }, body, [
        'Push Hook',
      ]).action,
      'accept',
    );
    assert.equal(verifyRequest('gitlab', 'tok', { 'x-gitlab-token': 'tok2' }, body, []).action, 'reject');
    assert.equal(
      verifyRequest('gitlab', 'tok', { 'x-gitlab-token': 'tok', 'x-gitlab-event': 'Tag Push Hook' }, body, [
        'Push Hook',
      ]).action,
      'ignore',
    );
  });

  test('generic-hmac: sha1, sha256 and sha512 signatures; nothing else', () => {
    for (const algorithm of ['sha1', 'sha256', 'sha512']) {
      assert.equal(
        verifyRequest('generic-hmac', 'tok', { 'x-signature': sign(algorithm, 'tok') }, body, []).action,
        'accept',
      );
    }
    assert.equal(
      verifyRequest('generic-hmac', 'tok', { 'x-signature': sign('md5', 'tok') }, body, []).action,
      'reject',
    );
    assert.equal(verifyRequest('generic-hmac', 'tok', {}, body, []).action, 'reject');
  });

  test('harbor: Authorization equals the token', () => {
    assert.equal(verifyRequest('harbor', 'tok', { authorization: 'tok' }, body, []).action, 'accept');
    assert.equal(verifyRequest('harbor', 'tok', { authorization: 'Bearer tok' }, body, []).action, 'reject');
  });
});
