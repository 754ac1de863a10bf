/**
 * EventRecorder + KubeEventSink against a real API server: events.k8s.io/v1 Events about a
 * GitRepository carry regarding/reason/note/type/reportingController and the weft annotations,
 * and repeats become one Event whose series.count grows, read back from the API.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Annotation } from '@weft/api';
import type { KubeObject } from '@weft/runtime/client';
import { EventRecorder, KubeEventSink } from '@weft/runtime/events';
import { GitRepositoryRef, gitRepository, managerTestCluster } from './helpers.ts';

const { kubeConfig, ns, client } = await managerTestCluster('rt-events', 'events-test');

interface ApiEvent extends KubeObject {
  regarding: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string };
  reason: string;
  note: string;
  type: string;
  action: string;
  reportingController: string;
  reportingInstance: string;
  eventTime: string;
  series?: { count: number; lastObservedTime: string };
}

async function eventsAbout(name: string): Promise<ApiEvent[]> {
  const list = await client.list<ApiEvent>({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace: ns });
  return list.items.filter((e) => e.regarding.name === name);
}

function recorder(errors: unknown[]): EventRecorder {
  return new EventRecorder({
    sink: new KubeEventSink(kubeConfig),
    reportingController: 'weft.dev/source-controller',
    reportingInstance: 'source-controller-test-0',
    onError: (error) => errors.push(error),
  });
}

describe('events on a real API server', { timeout: 120_000 }, () => {
  it('writes an Event regarding the object, with revision and summary annotations', async () => {
    const repo = await client.create(gitRepository(ns, 'annotated'));
    const errors: unknown[] = [];
    await recorder(errors).normal(repo, 'NewArtifact', 'stored artifact for revision main@sha1:0123abc', {
      revision: 'main@sha1:0123abc',
      summary: '3 files changed',
      action: 'Fetch',
    });
    assert.deepEqual(errors, []);
    const [event, ...others] = await eventsAbout('annotated');
    assert.equal(others.length, 0);
    assert.ok(event, 'no Event was written');
    assert.deepEqual(
      { ...event.regarding, resourceVersion: undefined },
      {
        apiVersion: GitRepositoryRef.apiVersion,
        kind: 'GitRepository',
        name: 'annotated',
        namespace: ns,
        uid: repo.metadata.uid,
        resourceVersion: undefined,
      },
    );
    assert.equal(event.type, 'Normal');
    assert.equal(event.reason, 'NewArtifact');
    assert.equal(event.note, 'stored artifact for revision main@sha1:0123abc');
    assert.equal(event.action, 'Fetch');
    assert.equal(event.reportingController, 'weft.dev/source-controller');
    assert.equal(event.reportingInstance, 'source-controller-test-0');
    assert.match(event.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(event.metadata.annotations?.[Annotation.EventRevision], 'main@sha1:0123abc');
    assert.equal(event.metadata.annotations?.[Annotation.EventSummary], '3 files changed');
    assert.equal(event.series, undefined, 'a first occurrence has no series');
  });

  it('folds repeats into one Event whose series.count grows', async () => {
    const repo = await client.create(gitRepository(ns, 'repeated'));
    const errors: unknown[] = [];
    const events = recorder(errors);
    for (let i = 0; i < 5; i++) await events.warning(repo, 'GitOperationFailed', 'authentication required');
    assert.deepEqual(errors, []);
    let found = await eventsAbout('repeated');
    assert.equal(found.length, 1, `expected one Event, got ${found.length}`);
    assert.equal(found[0]?.type, 'Warning');
    assert.equal(found[0]?.series?.count, 5);
    assert.match(found[0]?.series?.lastObservedTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    // Concurrent repeats, as several reconciles of one object would make, keep their order.
    await Promise.all(
      Array.from({ length: 10 }, () => events.warning(repo, 'GitOperationFailed', 'authentication required')),
    );
    found = await eventsAbout('repeated');
    assert.equal(found.length, 1);
    assert.equal(found[0]?.series?.count, 15);

    // A different note is a different Event.
    await events.warning(repo, 'GitOperationFailed', 'connection refused');
    found = await eventsAbout('repeated');
    assert.equal(found.length, 2);
    assert.deepEqual(errors, []);
  });

  it('recreates an expired Event with the running count', async () => {
    const repo = await client.create(gitRepository(ns, 'expired'));
    const errors: unknown[] = [];
    const events = recorder(errors);
    await events.normal(repo, 'Progressing', 'building artifact');
    await events.normal(repo, 'Progressing', 'building artifact');
    const [first] = await eventsAbout('expired');
    assert.equal(first?.series?.count, 2);
    // The API server's TTL (or someone) removes it; the next repeat must not be lost.
    await client.delete({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      namespace: ns,
      name: first.metadata.name ?? '',
    });
    await events.normal(repo, 'Progressing', 'building artifact');
    const after = await eventsAbout('expired');
    assert.equal(after.length, 1);
    assert.notEqual(after[0]?.metadata.name, first.metadata.name);
    assert.equal(after[0]?.series?.count, 3);
    assert.deepEqual(errors, []);
  });

  it('reports a rejected write through onError instead of throwing', async () => {
    const errors: unknown[] = [];
    // A namespace that does not exist: the API server refuses the Event.
    await recorder(errors).normal(
      { ...GitRepositoryRef, metadata: { name: 'ghost', namespace: `${ns}-missing` } },
      'NewArtifact',
      'never stored',
    );
    assert.equal(errors.length, 1);
  });
});
