import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Alert } from '@weft/api';
import type { WeftEvent } from '../event/event.ts';
import {
  compileAlert,
  type LabelLookup,
  matchesSource,
  passesFilters,
  payloadMetadata,
  wildcardMatch,
} from './match.ts';
import { RateLimiter } from './rate-limit.ts';

function alert(spec: Partial<Alert['spec']>): Alert {
  return {
    apiVersion: 'notification.weft.dev/v1',
    kind: 'Alert',
    metadata: { name: 'a', namespace: 'team', uid: 'uid-a', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { providerRef: { name: 'p' }, eventSources: [], ...spec },
  };
}

const event: WeftEvent = {
  namespace: 'team',
  name: 'app.1',
  uid: 'e1',
  involvedObject: {
    apiVersion: 'kustomize.weft.dev/v1',
    kind: 'Kustomization',
    name: 'app-frontend',
    namespace: 'team',
  },
  severity: 'info',
  reason: 'ReconciliationSucceeded',
  message: 'Applied revision main@sha1:abc',
  metadata: { revision: 'main@sha1:abc' },
  reportingController: 'weft.dev/kustomize-controller',
  reportingInstance: 'x',
  count: 1,
  lastObservedMs: Date.parse('2025-01-01T00:00:05Z'),
  annotations: {},
};

const noLabels: LabelLookup = async () => undefined;

describe('alert matching', () => {
  test('wildcards', () => {
    assert.ok(wildcardMatch('*', 'anything'));
    assert.ok(wildcardMatch('app-*', 'app-frontend'));
    assert.ok(wildcardMatch('*-frontend', 'app-frontend'));
    assert.ok(!wildcardMatch('app-*', 'web-frontend'));
    assert.ok(!wildcardMatch('app.x', 'appXx'), 'dots are literal');
  });

  test('sources: kind, namespace defaulting to the Alert, name, labels', async () => {
    const match = (spec: Partial<Alert['spec']>, labels = noLabels) =>
      matchesSource(compileAlert(alert(spec)), event.involvedObject, labels);
    assert.ok(await match({ eventSources: [{ kind: 'Kustomization', name: 'app-*' }] }));
    assert.ok(!(await match({ eventSources: [{ kind: 'GitRepository', name: '*' }] })));
    assert.ok(!(await match({ eventSources: [{ kind: 'Kustomization', name: '*', namespace: 'other' }] })));
    const withLabels = {
      eventSources: [{ kind: 'Kustomization' as const, name: '*', matchLabels: { tier: 'web' } }],
    };
    assert.ok(await match(withLabels, async () => ({ tier: 'web' })));
    assert.ok(!(await match(withLabels, async () => ({ tier: 'db' }))));
    assert.ok(!(await match(withLabels)), 'an object that is gone matches no labels');
  });

  test('severity and message lists', () => {
    const passes = (spec: Partial<Alert['spec']>, e: WeftEvent = event) =>
      passesFilters(compileAlert(alert(spec)), e);
    assert.ok(passes({}));
    assert.ok(!passes({ eventSeverity: 'error' }));
    assert.ok(passes({ eventSeverity: 'error' }, { ...event, severity: 'error' }));
    assert.ok(passes({ inclusionList: ['^Applied'] }));
    assert.ok(!passes({ inclusionList: ['^Failed'] }));
    assert.ok(!passes({ exclusionList: ['sha1:abc$'] }));
    assert.throws(() => compileAlert(alert({ exclusionList: ['('] })), /spec\.exclusionList\[0\]/);
  });

  test('metadata: the event wins over eventMetadata; summary fills in', () => {
    const compiled = compileAlert(alert({ eventMetadata: { revision: 'no', env: 'prod' }, summary: 'sum' }));
    assert.deepEqual(payloadMetadata(compiled, event), {
      revision: 'main@sha1:abc',
      env: 'prod',
      summary: 'sum',
    });
  });

  test('rate limit: the same event through one Alert goes out once per window', () => {
    const limiter = new RateLimiter(1000);
    const key = RateLimiter.key('uid-a', event);
    assert.ok(!limiter.limited(key, 0));
    limiter.sent(key, 0);
    assert.ok(limiter.limited(key, 999));
    assert.ok(!limiter.limited(key, 1000));
    assert.ok(!limiter.limited(RateLimiter.key('uid-a', { ...event, message: 'other' }), 10));
    assert.ok(!limiter.limited(RateLimiter.key('uid-b', event), 10));
  });
});
