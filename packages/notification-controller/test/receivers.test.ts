/**
 * notification-controller's Receivers against a real API server: a Receiver without its token
 * is not Ready, signed webhooks (GitHub's push) turn into reconcile requests on the objects it
 * names and on nothing else, wrong signatures and events it does not take are refused, and its
 * token shows up in no log line, Event or status.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Annotation, gitRepositorySample, NotificationApiVersion } from '@weft/api';
import type { KubeObject } from '@weft/runtime/client';
import {
  createSecret,
  notificationTestCluster,
  type RunningController,
  readyCondition,
  runController,
  secretLeaks,
  waitForReady,
} from './harness.ts';

const { kubeConfig, client, namespace } = await notificationTestCluster('receive');
const receiverToken = 'receiver-token-8c3a1f0b6d';
const logs: string[] = [];
let running: RunningController | undefined;

/** A Receiver of GitHub pushes, its token in Secret `secretName`, that reconciles GitRepository podinfo. */
async function createGithubReceiver(name: string, secretName: string): Promise<void> {
  await client.create({
    apiVersion: NotificationApiVersion,
    kind: 'Receiver',
    metadata: { name, namespace },
    spec: {
      type: 'github',
      events: ['push'],
      secretRef: { name: secretName },
      resources: [{ kind: 'GitRepository', name: 'podinfo' }],
    },
  });
}

before(async () => {
  running = await runController(kubeConfig, [], logs);
});

after(async () => {
  await running?.stop();
});

describe('receivers', () => {
  const body = JSON.stringify({ ref: 'refs/heads/main', after: 'b'.repeat(40) });
  const sign = (token: string) => `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;
  let url = '';

  before(async () => {
    await client.create({
      ...gitRepositorySample,
      metadata: { name: 'podinfo', namespace },
    } as unknown as KubeObject);
    await client.create({
      ...gitRepositorySample,
      metadata: { name: 'other', namespace },
    } as unknown as KubeObject);
    await createSecret(client, namespace, 'webhook-token', { token: receiverToken });
    await createGithubReceiver('github', 'webhook-token');
    const receiver = await waitForReady(client, namespace, 'Receiver', 'github', 'True');
    const path = (receiver.status as { webhookPath?: string }).webhookPath ?? '';
    assert.match(path, /^\/hook\/[0-9a-f]{64}$/);
    assert.equal(readyCondition(receiver)?.reason, 'Succeeded');
    assert.equal(readyCondition(receiver)?.message, `Receiver initialized for path: ${path}`);
    url = `${running?.receiverUrl}${path}`;
  });

  const requestedAt = async (name: string) =>
    (await client.get({ apiVersion: gitRepositorySample.apiVersion, kind: 'GitRepository', namespace, name }))
      .metadata.annotations?.[Annotation.ReconcileRequestedAt];

  test('a Receiver without its token secret is not Ready with TokenNotFound, and has no path', async () => {
    await createGithubReceiver('tokenless', 'no-such-token');
    const receiver = await waitForReady(client, namespace, 'Receiver', 'tokenless', 'False');
    assert.equal(readyCondition(receiver)?.reason, 'TokenNotFound');
    assert.match(readyCondition(receiver)?.message ?? '', /no-such-token not found/);
    assert.equal((receiver.status as { webhookPath?: string }).webhookPath, undefined);
  });

  test('a wrong signature is refused with 401 and acts on nothing', async () => {
    const unauthorized = () =>
      running?.controller.receiverServer.requests.get({ type: 'github', result: 'unauthorized' }) ?? 0;
    const before = unauthorized();
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'X-GitHub-Event': 'push',
        'X-Hub-Signature-256': sign('not-the-token'),
        'Content-Type': 'application/json',
      },
      body,
    });
    assert.equal(response.status, 401);
    assert.equal(unauthorized(), before + 1);
    assert.equal(await requestedAt('podinfo'), undefined);
  });

  test('a ping is answered and acts on nothing; an event outside spec.events is refused', async () => {
    const ping = await fetch(url, {
      method: 'POST',
      headers: { 'X-GitHub-Event': 'ping', 'X-Hub-Signature-256': sign(receiverToken) },
      body,
    });
    assert.equal(ping.status, 200);
    const issue = await fetch(url, {
      method: 'POST',
      headers: { 'X-GitHub-Event': 'issues', 'X-Hub-Signature-256': sign(receiverToken) },
      body,
    });
    assert.equal(issue.status, 400);
    assert.equal(await requestedAt('podinfo'), undefined);
  });

  test('a GitHub-signed push sets requestedAt on the GitRepository at once', async () => {
    const started = Date.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'X-GitHub-Event': 'push',
        'X-Hub-Signature-256': sign(receiverToken),
        'Content-Type': 'application/json',
      },
      body,
    });
    assert.equal(response.status, 200, await response.text());
    const value = await requestedAt('podinfo');
    assert.ok(value, 'requestedAt is set when the webhook is answered');
    assert.ok(Date.parse(value) >= started - 1000, `requestedAt ${value} is the time of the call`);
    assert.equal(await requestedAt('other'), undefined, 'objects the Receiver does not name are untouched');
  });
});

describe('secrets', () => {
  test('the Receiver token appears in no log line, Event or status', async () => {
    assert.ok(logs.length > 0, 'the logs were captured');
    assert.deepEqual(await secretLeaks(client, namespace, logs, { receiverToken }), []);
  });
});
