import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import type { EventPayload } from '../event/event.ts';
import type { ProviderConfig } from './config.ts';
import { buildRequest, commitOf, commitStatusContext } from './payloads.ts';

const sha = 'c'.repeat(40);
const event: EventPayload = {
  involvedObject: {
    apiVersion: 'kustomize.weft.dev/v1',
    kind: 'Kustomization',
    name: 'app',
    namespace: 'prod',
  },
  severity: 'error',
  timestamp: '2025-01-01T00:00:00.000Z',
  message: 'health check failed',
  reason: 'HealthCheckFailed',
  metadata: { revision: `main@sha1:${sha}`, summary: 'prod cluster' },
  reportingController: 'weft.dev/kustomize-controller',
  reportingInstance: 'pod-1',
};

function config(overrides: Partial<ProviderConfig>): ProviderConfig {
  return {
    type: 'generic',
    address: 'https://hooks.example.com/x',
    channel: undefined,
    username: undefined,
    token: undefined,
    password: undefined,
    headers: {},
    ca: undefined,
    proxy: undefined,
    timeoutMs: 1000,
    ...overrides,
  };
}

describe('provider payloads', () => {
  test('slack: danger attachment with the object, message and sorted metadata fields', () => {
    const request = buildRequest(event, config({ type: 'slack', channel: 'ops', username: 'weft' }), 'uid');
    const body = JSON.parse(request?.body ?? '{}');
    assert.equal(body.channel, 'ops');
    assert.equal(body.username, 'weft');
    assert.equal(body.text, '*Kustomization/prod/app* HealthCheckFailed');
    assert.equal(body.attachments[0].color, 'danger');
    assert.equal(body.attachments[0].author_name, 'Kustomization/prod/app');
    assert.deepEqual(
      body.attachments[0].fields.map((f: { title: string }) => f.title),
      ['revision', 'summary'],
    );
    assert.equal(request?.headers.Authorization, undefined);
  });

  test('slack bot token: Bearer auth, and a channel is required', () => {
    const request = buildRequest(event, config({ type: 'slack', token: 'xoxb-1', channel: 'ops' }), 'uid');
    assert.equal(request?.headers.Authorization, 'Bearer xoxb-1');
    assert.throws(() => buildRequest(event, config({ type: 'slack', token: 'xoxb-1' }), 'uid'), /channel/);
  });

  test('info events are good, not danger', () => {
    const request = buildRequest({ ...event, severity: 'info' }, config({ type: 'slack' }), 'uid');
    assert.equal(JSON.parse(request?.body ?? '{}').attachments[0].color, 'good');
  });

  test('discord posts the Slack payload to the /slack endpoint', () => {
    const request = buildRequest(
      event,
      config({ type: 'discord', address: 'https://discord.com/api/webhooks/1/t' }),
      'u',
    );
    assert.equal(request?.url, 'https://discord.com/api/webhooks/1/t/slack');
  });

  test('generic-hmac signs the exact body with the token; headers from the secret are kept', () => {
    const request = buildRequest(
      event,
      config({ type: 'generic-hmac', token: 'k', headers: { 'X-Env': 'prod' } }),
      'u',
    );
    assert.ok(request);
    assert.equal(
      request.headers['X-Signature'],
      `sha256=${createHmac('sha256', 'k').update(request.body).digest('hex')}`,
    );
    assert.equal(request.headers['X-Env'], 'prod');
    assert.deepEqual(JSON.parse(request.body), event);
  });

  test('github commit status on the API base of the address, for the commit of the revision', () => {
    const request = buildRequest(
      event,
      config({ type: 'github', address: 'https://github.com/org/repo.git', token: 't' }),
      'p',
    );
    assert.equal(request?.url, `https://api.github.com/repos/org/repo/statuses/${sha}`);
    assert.equal(request?.headers.Authorization, 'Bearer t');
    const body = JSON.parse(request?.body ?? '{}');
    assert.equal(body.state, 'failure');
    assert.equal(body.context, commitStatusContext(event, 'p'));
    const enterprise = buildRequest(
      event,
      config({ type: 'github', address: 'http://127.0.0.1:9/org/repo' }),
      'p',
    );
    assert.equal(enterprise?.url, `http://127.0.0.1:9/api/v3/repos/org/repo/statuses/${sha}`);
  });

  test('gitlab commit status with PRIVATE-TOKEN on the encoded project path', () => {
    const request = buildRequest(
      { ...event, severity: 'info' },
      config({ type: 'gitlab', address: 'https://gitlab.com/group/sub/repo', token: 't' }),
      'p',
    );
    assert.equal(request?.url, `https://gitlab.com/api/v4/projects/group%2Fsub%2Frepo/statuses/${sha}`);
    assert.equal(request?.headers['PRIVATE-TOKEN'], 't');
    assert.equal(JSON.parse(request?.body ?? '{}').state, 'success');
  });

  test('git providers send nothing for events without a commit revision', () => {
    const noRevision = { ...event, metadata: {} };
    assert.equal(
      buildRequest(noRevision, config({ type: 'github', address: 'https://github.com/o/r' }), 'p'),
      undefined,
    );
    assert.equal(commitOf('1.2.3'), undefined);
    assert.equal(commitOf(`v1@sha1:${sha}`), sha);
    assert.equal(commitOf(`sha1:${sha}`), sha);
  });

  test('unsupported types are a configuration error', () => {
    assert.throws(() => buildRequest(event, config({ type: 'pagerduty' }), 'p'), /not supported/);
  });
});
