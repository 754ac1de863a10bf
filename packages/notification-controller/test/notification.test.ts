/**
 * notification-controller against a real API server and a real webhook sink: events written by
 * a weft controller's EventRecorder reach the providers in their formats, filtered as the Alerts
 * say, once each, also across a restart; and no secret shows up in logs, Events or status.
 * Receivers are in receivers.test.ts.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { kustomizationSample, NotificationApiVersion } from '@weft/api';
import { startWebhookSink, type WebhookSink } from '@weft/e2e';
import { hmacSignature, progressKey } from '@weft/notification-controller';
import type { KubeObject } from '@weft/runtime/client';
import {
  createSecret as createSecretIn,
  eventually,
  kustomizeRecorder,
  notificationTestCluster,
  type RunningController,
  readyCondition,
  runController,
  secretLeaks,
  waitForReady,
} from './harness.ts';

const { kubeConfig, client, namespace } = await notificationTestCluster('notify');
const recorder = kustomizeRecorder(kubeConfig);

// Credentials the tests plant and then look for everywhere they must not be.
const slackPathSecret = 'B0SECRET/XyZslackHookSecret42';
const hmacToken = 'hmac-token-5f1d2c9e7a';

let sink: WebhookSink;
let running: RunningController | undefined;
/** Log lines of every controller instance the tests ran. */
const logs: string[] = [];

const createSecret = (name: string, data: Record<string, string>) =>
  createSecretIn(client, namespace, name, data);

async function createKustomization(name: string, labels: Record<string, string> = {}): Promise<KubeObject> {
  return client.create({
    ...kustomizationSample,
    metadata: { name, namespace, labels },
  } as unknown as KubeObject);
}

async function createProvider(name: string, spec: Record<string, unknown>): Promise<void> {
  await client.create({
    apiVersion: NotificationApiVersion,
    kind: 'Provider',
    metadata: { name, namespace },
    spec,
  });
}

/** Creates an Alert and waits until the controller has it (Ready=True). */
async function createAlert(name: string, spec: Record<string, unknown>): Promise<KubeObject> {
  await client.create({
    apiVersion: NotificationApiVersion,
    kind: 'Alert',
    metadata: { name, namespace },
    spec,
  });
  return eventually(`Alert ${name} Ready`, async () => {
    const alert = await client.get({ apiVersion: NotificationApiVersion, kind: 'Alert', namespace, name });
    return readyCondition(alert)?.status === 'True' ? alert : undefined;
  });
}

/** Events about one object, newest last. */
async function eventsAbout(objectName: string): Promise<KubeObject[]> {
  const list = await client.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace });
  return list.items.filter((e) => (e.regarding as { name?: string } | undefined)?.name === objectName);
}

/** Waits until every event about the object carries the Alert's delivery record. */
async function handled(objectName: string, alert: KubeObject, count = 1): Promise<KubeObject[]> {
  const key = progressKey(alert.metadata.uid ?? '');
  return eventually(`${count} event(s) about ${objectName} handled by ${alert.metadata.name}`, async () => {
    const events = await eventsAbout(objectName);
    return events.length >= count && events.every((e) => e.metadata.annotations?.[key]) ? events : undefined;
  });
}

function slackAttachment(json: unknown): Record<string, unknown> {
  const attachments = (json as { attachments?: Array<Record<string, unknown>> }).attachments;
  assert.ok(attachments?.[0], `no Slack attachment in ${JSON.stringify(json)}`);
  return attachments[0];
}

before(async () => {
  sink = await startWebhookSink();
  running = await runController(kubeConfig, [], logs);
  await createSecret('slack-url', { address: sink.url(`/services/T000/${slackPathSecret}`) });
  await createProvider('slack', { type: 'slack', channel: 'general', secretRef: { name: 'slack-url' } });
});

after(async () => {
  await running?.stop();
  await sink?.stop();
});

describe('events to providers', () => {
  test('a Warning event reaches Slack as a danger attachment naming the object', async () => {
    const ks = await createKustomization('warn-app');
    await createAlert('warn', {
      providerRef: { name: 'slack' },
      eventSources: [{ kind: 'Kustomization', name: 'warn-app' }],
    });
    await recorder.warning(ks, 'HealthCheckFailed', 'Deployment/default/podinfo not ready');
    const [request] = await sink.waitFor((r) => r.body.includes('warn-app'));
    assert.ok(request);
    assert.equal(request.path, `/services/T000/${slackPathSecret}`);
    const json = request.json as Record<string, unknown>;
    assert.equal(json.channel, 'general');
    const attachment = slackAttachment(json);
    assert.equal(attachment.color, 'danger');
    assert.equal(attachment.author_name, `Kustomization/${namespace}/warn-app`);
    assert.equal(attachment.text, 'Deployment/default/podinfo not ready');
    assert.equal(attachment.title, 'HealthCheckFailed');
    const sentAlert = await eventually('the Alert to show when it last sent', async () => {
      const alert = await client.get({
        apiVersion: NotificationApiVersion,
        kind: 'Alert',
        namespace,
        name: 'warn',
      });
      return (alert.status as { lastSentTime?: string } | undefined)?.lastSentTime ? alert : undefined;
    });
    const sentAt = Date.parse((sentAlert.status as { lastSentTime: string }).lastSentTime);
    assert.ok(sentAt >= request.receivedAt - 1_000, 'lastSentTime is the time of this delivery');
  });

  test('a Normal event with a revision is an info message carrying the revision', async () => {
    const ks = await createKustomization('info-app');
    await createAlert('info', {
      providerRef: { name: 'slack' },
      eventSources: [{ kind: 'Kustomization', name: 'info-*' }],
      eventMetadata: { cluster: 'staging' },
    });
    const revision = `main@sha1:${'a'.repeat(40)}`;
    await recorder.normal(ks, 'ReconciliationSucceeded', 'Applied revision', { revision });
    const [request] = await sink.waitFor((r) => r.body.includes('info-app'));
    const attachment = slackAttachment(request?.json);
    assert.equal(attachment.color, 'good');
    const fields = attachment.fields as Array<{ title: string; value: string }>;
    assert.deepEqual(
      fields.map((f) => [f.title, f.value]),
      [
        ['cluster', 'staging'],
        ['revision', revision],
      ],
    );
  });

  test('eventSeverity error lets only Warning events through; the lists filter messages', async () => {
    const ks = await createKustomization('filter-app');
    const errorsOnly = await createAlert('errors-only', {
      providerRef: { name: 'slack' },
      eventSeverity: 'error',
      eventSources: [{ kind: 'Kustomization', name: 'filter-app' }],
      eventMetadata: { alert: 'errors-only' },
    });
    const lists = await createAlert('lists', {
      providerRef: { name: 'slack' },
      eventSources: [{ kind: 'Kustomization', name: 'filter-app' }],
      inclusionList: ['^Applied'],
      exclusionList: ['skip-me'],
      eventMetadata: { alert: 'lists' },
    });
    await recorder.normal(ks, 'ReconciliationSucceeded', 'Applied revision one');
    await recorder.normal(ks, 'ReconciliationSucceeded', 'Applied revision two skip-me');
    await recorder.normal(ks, 'Progressing', 'Not applied yet');
    await recorder.warning(ks, 'BuildFailed', 'Applied nothing: kustomize build failed');
    await handled('filter-app', errorsOnly, 4);
    await handled('filter-app', lists, 4);
    const about = sink.requests.filter((r) => r.body.includes('filter-app'));
    const sent = (alert: string) =>
      about
        .filter((r) => r.body.includes(`"value":"${alert}"`))
        .map((r) => slackAttachment(r.json).text)
        .sort();
    assert.deepEqual(sent('errors-only'), ['Applied nothing: kustomize build failed']);
    assert.deepEqual(sent('lists'), ['Applied nothing: kustomize build failed', 'Applied revision one']);
  });

  test('a provider answering 500, 500, 200 gets the message exactly once', async () => {
    const retrySink = await startWebhookSink();
    after(() => retrySink.stop());
    retrySink.respondWith([500, 500, 200]);
    await createProvider('flaky', { type: 'generic', address: retrySink.url('/flaky') });
    const ks = await createKustomization('retry-app');
    const alert = await createAlert('retry', {
      providerRef: { name: 'flaky' },
      eventSources: [{ kind: 'Kustomization', name: 'retry-app' }],
    });
    await recorder.warning(ks, 'ReconciliationFailed', 'retry me');
    await handled('retry-app', alert);
    assert.deepEqual(
      retrySink.requests.map((r) => r.status),
      [500, 500, 200],
      retrySink.describe(),
    );
    const payload = retrySink.requests[2]?.json as Record<string, unknown>;
    assert.equal(payload.message, 'retry me');
    assert.equal(payload.severity, 'error');
    assert.deepEqual(payload.involvedObject, {
      apiVersion: kustomizationSample.apiVersion,
      kind: 'Kustomization',
      name: 'retry-app',
      namespace,
      uid: ks.metadata.uid,
      resourceVersion: ks.metadata.resourceVersion,
    });
  });

  test('a repeat within the rate-limit window (series bump) is not sent again', async () => {
    const ks = await createKustomization('series-app');
    const alert = await createAlert('series', {
      providerRef: { name: 'slack' },
      eventSources: [{ kind: 'Kustomization', name: 'series-app' }],
    });
    await recorder.warning(ks, 'HealthCheckFailed', 'still failing');
    await handled('series-app', alert);
    await recorder.warning(ks, 'HealthCheckFailed', 'still failing');
    const key = progressKey(alert.metadata.uid ?? '');
    await eventually('the series bump handled', async () => {
      const [event] = await eventsAbout('series-app');
      return event?.metadata.annotations?.[key]?.startsWith('2,') ? event : undefined;
    });
    const [event] = await eventsAbout('series-app');
    assert.equal((event?.series as { count?: number } | undefined)?.count, 2);
    assert.match(event?.metadata.annotations?.[key] ?? '', /^2,.*,limited$/);
    assert.equal(sink.requests.filter((r) => r.body.includes('series-app')).length, 1, sink.describe());
  });

  test('a 4xx answer marks the Provider not Ready with the code, without its secret path', async () => {
    const refusing = await startWebhookSink({
      defaultResponse: { status: 403, body: `invalid_token ${hmacToken}` },
    });
    after(() => refusing.stop());
    await createSecret('refusing', {
      address: refusing.url(`/services/${slackPathSecret}`),
      token: hmacToken,
    });
    await createProvider('refusing', { type: 'generic', secretRef: { name: 'refusing' } });
    const ks = await createKustomization('refused-app');
    const alert = await createAlert('refused', {
      providerRef: { name: 'refusing' },
      eventSources: [{ kind: 'Kustomization', name: 'refused-app' }],
    });
    await recorder.warning(ks, 'HealthCheckFailed', 'refused');
    await handled('refused-app', alert);
    const provider = await waitForReady(client, namespace, 'Provider', 'refusing', 'False');
    const ready = readyCondition(provider);
    assert.match(ready?.message ?? '', /status 403/);
    assert.match(ready?.message ?? '', /invalid_token \[REDACTED\]/);
    assert.ok(!ready?.message.includes(slackPathSecret));
    assert.equal(refusing.requests.length, 1, 'a 4xx is not retried');
  });

  test('an Alert whose Provider is missing waits (DependencyNotReady, no Warning) and is Ready once it exists', async () => {
    const getAlert = () =>
      client.get({ apiVersion: NotificationApiVersion, kind: 'Alert', namespace, name: 'early' });
    await client.create({
      apiVersion: NotificationApiVersion,
      kind: 'Alert',
      metadata: { name: 'early', namespace },
      spec: { providerRef: { name: 'late' }, eventSources: [{ kind: 'Kustomization', name: 'early-app' }] },
    });
    const waiting = await eventually('Alert early not Ready', async () => {
      const alert = await getAlert();
      return readyCondition(alert)?.status === 'False' ? alert : undefined;
    });
    assert.equal(readyCondition(waiting)?.reason, 'DependencyNotReady');
    assert.match(readyCondition(waiting)?.message ?? '', /provider .*\/late not found/);
    await createProvider('late', { type: 'generic', address: sink.url('/late') });
    const ready = await eventually('Alert early Ready', async () => {
      const alert = await getAlert();
      return readyCondition(alert)?.status === 'True' ? alert : undefined;
    });
    assert.equal(readyCondition(ready)?.reason, 'Succeeded');
    const warnings = (await eventsAbout('early')).filter((e) => e.type === 'Warning');
    assert.deepEqual(
      warnings.map((e) => e.reason),
      [],
    );
  });

  test('a Provider whose secret is missing is not Ready with SecretNotFound', async () => {
    await createProvider('no-secret', { type: 'generic', secretRef: { name: 'absent' } });
    const provider = await waitForReady(client, namespace, 'Provider', 'no-secret', 'False');
    assert.equal(readyCondition(provider)?.reason, 'SecretNotFound');
    assert.match(readyCondition(provider)?.message ?? '', /absent not found/);
    const warning = await eventually('SecretNotFound event', async () =>
      (await eventsAbout('no-secret')).find((e) => e.reason === 'SecretNotFound'),
    );
    assert.equal(warning.type, 'Warning');
  });

  test('generic-hmac requests carry a verifiable X-Signature', async () => {
    const hmacSink = await startWebhookSink();
    after(() => hmacSink.stop());
    await createSecret('hmac', { token: hmacToken });
    await createProvider('hmac', {
      type: 'generic-hmac',
      address: hmacSink.url('/hmac'),
      secretRef: { name: 'hmac' },
    });
    const ks = await createKustomization('hmac-app');
    await createAlert('hmac', {
      providerRef: { name: 'hmac' },
      eventSources: [{ kind: 'Kustomization', name: 'hmac-app' }],
    });
    await recorder.normal(ks, 'ReconciliationSucceeded', 'signed');
    const [request] = await hmacSink.waitFor();
    const expected = `sha256=${createHmac('sha256', hmacToken)
      .update(request?.body ?? '')
      .digest('hex')}`;
    assert.equal(request?.headers['x-signature'], expected);
    assert.equal(hmacSignature(request?.body ?? '', hmacToken), expected);
    assert.notEqual(request?.headers['x-signature'], hmacSignature(request?.body ?? '', 'another-token'));
  });

  test('events written while the controller is down are each delivered once after it starts', async () => {
    const ks = await createKustomization('down-app');
    const alert = await createAlert('down', {
      providerRef: { name: 'slack' },
      eventSources: [{ kind: 'Kustomization', name: 'down-app' }],
    });
    await recorder.warning(ks, 'HealthCheckFailed', 'before the restart');
    await handled('down-app', alert);
    await running?.stop();
    for (const n of [1, 2, 3]) await recorder.warning(ks, 'HealthCheckFailed', `while down ${n}`);
    // No rate limit after the restart: only the recorded progress keeps the first event from going out again.
    running = await runController(kubeConfig, [], logs, 0);
    await handled('down-app', alert, 4);
    const messages = sink.requests
      .filter((r) => r.body.includes('down-app'))
      .map((r) => slackAttachment(r.json).text)
      .sort();
    assert.deepEqual(messages, ['before the restart', 'while down 1', 'while down 2', 'while down 3']);
  });
});

describe('secrets', () => {
  test('no token or secret path appears in logs, Events or status', async () => {
    assert.ok(logs.join('\n').includes('delivering events'), 'the logs were captured');
    assert.deepEqual(await secretLeaks(client, namespace, logs, { slackPathSecret, hmacToken }), []);
  });
});
