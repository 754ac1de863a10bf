import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Annotation } from '@weft/api';
import { NotFoundError } from '@weft/runtime/client';
import { EventRecorder, type EventSeries, type EventSink, type KubeEvent } from '@weft/runtime/events';

/** An in-process stand-in for the events API: stores Events, can forget them (expiry). */
class FakeSink implements EventSink {
  readonly events = new Map<string, KubeEvent>();
  creates = 0;
  patches = 0;
  failNext = false;
  #next = 0;

  async create(namespace: string, event: KubeEvent): Promise<{ name: string }> {
    await Promise.resolve();
    if (this.failNext) {
      this.failNext = false;
      throw new Error('apiserver unavailable');
    }
    this.creates++;
    const name = `${event.metadata.name ?? ''}-${(this.#next++).toString(16)}`;
    this.events.set(`${namespace}/${name}`, { ...event, metadata: { ...event.metadata, name } });
    return { name };
  }

  async patch(namespace: string, name: string, patch: { series: EventSeries }): Promise<void> {
    await Promise.resolve();
    const existing = this.events.get(`${namespace}/${name}`);
    if (!existing) throw new NotFoundError(404, 'NotFound', 'not found');
    this.patches++;
    this.events.set(`${namespace}/${name}`, { ...existing, series: patch.series });
  }

  list(): KubeEvent[] {
    return [...this.events.values()];
  }
}

const repo = {
  apiVersion: 'source.weft.dev/v1',
  kind: 'GitRepository',
  metadata: { name: 'podinfo', namespace: 'flux-system', uid: 'uid-1', resourceVersion: '42' },
};

function setup(options: { cacheSize?: number; windowMs?: number } = {}) {
  const sink = new FakeSink();
  let now = Date.parse('2026-03-01T10:00:00.123Z');
  const errors: unknown[] = [];
  const recorder = new EventRecorder({
    sink,
    reportingController: 'weft.dev/source-controller',
    reportingInstance: 'source-controller-abc',
    now: () => now,
    onError: (error) => errors.push(error),
    ...(options.cacheSize !== undefined ? { cacheSize: options.cacheSize } : {}),
    ...(options.windowMs !== undefined ? { seriesWindowMs: options.windowMs } : {}),
  });
  return { sink, recorder, errors, advance: (ms: number) => (now += ms) };
}

describe('EventRecorder', () => {
  it('writes an events.k8s.io/v1 Event about the object with revision and summary annotations', async () => {
    const { sink, recorder } = setup();
    await recorder.normal(repo, 'NewArtifact', 'stored artifact for main@sha1:abc', {
      revision: 'main@sha1:abc',
      summary: '2 files changed',
      action: 'Fetch',
    });
    const [event] = sink.list();
    assert.ok(event);
    assert.equal(event.apiVersion, 'events.k8s.io/v1');
    assert.equal(event.metadata.namespace, 'flux-system');
    assert.deepEqual(event.regarding, {
      apiVersion: 'source.weft.dev/v1',
      kind: 'GitRepository',
      name: 'podinfo',
      namespace: 'flux-system',
      uid: 'uid-1',
      resourceVersion: '42',
    });
    assert.equal(event.type, 'Normal');
    assert.equal(event.reason, 'NewArtifact');
    assert.equal(event.action, 'Fetch');
    assert.equal(event.reportingController, 'weft.dev/source-controller');
    assert.equal(event.reportingInstance, 'source-controller-abc');
    assert.equal(event.eventTime, '2026-03-01T10:00:00.123000Z');
    assert.equal(event.metadata.annotations?.[Annotation.EventRevision], 'main@sha1:abc');
    assert.equal(event.metadata.annotations?.[Annotation.EventSummary], '2 files changed');
    assert.equal(event.series, undefined);
  });

  it('folds repeats within the window into one Event with a series', async () => {
    const { sink, recorder, advance } = setup({ windowMs: 60_000 });
    await recorder.warning(repo, 'GitOperationFailed', 'auth failed');
    advance(30_000);
    await recorder.warning(repo, 'GitOperationFailed', 'auth failed');
    advance(30_000);
    await recorder.warning(repo, 'GitOperationFailed', 'auth failed');
    assert.equal(sink.creates, 1);
    assert.equal(sink.patches, 2);
    const [event] = sink.list();
    assert.deepEqual(event?.series, { count: 3, lastObservedTime: '2026-03-01T10:01:00.123000Z' });
  });

  it('starts a new Event when the reason, note, type or object differ, or the window passed', async () => {
    const { sink, recorder, advance } = setup({ windowMs: 60_000 });
    await recorder.warning(repo, 'GitOperationFailed', 'auth failed');
    await recorder.warning(repo, 'GitOperationFailed', 'timeout');
    await recorder.normal(repo, 'GitOperationFailed', 'auth failed');
    await recorder.warning(
      { ...repo, metadata: { ...repo.metadata, name: 'other', uid: 'uid-2' } },
      'GitOperationFailed',
      'auth failed',
    );
    assert.equal(sink.creates, 4);
    advance(60_001);
    await recorder.warning(repo, 'GitOperationFailed', 'auth failed');
    assert.equal(sink.creates, 5);
    assert.equal(sink.patches, 0);
  });

  it('keeps the series in order under concurrent repeats', async () => {
    const { sink, recorder } = setup();
    await Promise.all(Array.from({ length: 10 }, () => recorder.normal(repo, 'Progressing', 'building')));
    assert.equal(sink.creates, 1);
    assert.equal(sink.list()[0]?.series?.count, 10);
  });

  it('creates a new Event that keeps the count when the old one expired', async () => {
    const { sink, recorder } = setup();
    await recorder.normal(repo, 'Progressing', 'building');
    sink.events.clear();
    await recorder.normal(repo, 'Progressing', 'building');
    assert.equal(sink.creates, 2);
    assert.equal(sink.list()[0]?.series?.count, 2);
  });

  it('bounds the repeat cache, dropping the least recently used', async () => {
    const { sink, recorder } = setup({ cacheSize: 2 });
    await recorder.normal(repo, 'A', 'a');
    await recorder.normal(repo, 'B', 'b');
    await recorder.normal(repo, 'A', 'a');
    await recorder.normal(repo, 'C', 'c');
    assert.equal(recorder.cached, 2);
    await recorder.normal(repo, 'A', 'a');
    assert.equal(sink.patches, 2, 'A stayed cached because it was used recently');
    await recorder.normal(repo, 'B', 'b');
    assert.equal(sink.creates, 4, 'B was evicted, so it starts a new Event');
  });

  it('never rejects: write failures go to onError', async () => {
    const { sink, recorder, errors } = setup();
    sink.failNext = true;
    await recorder.normal(repo, 'Progressing', 'building');
    assert.equal(errors.length, 1);
    await recorder.normal(repo, 'Progressing', 'building');
    assert.equal(sink.creates, 1, 'a repeat of a failed create creates it');
  });

  it('truncates notes to the API limit and puts cluster-scoped objects in default', async () => {
    const { sink, recorder } = setup();
    await recorder.normal(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } },
      'Created',
      'x'.repeat(5000),
    );
    const [event] = sink.list();
    assert.equal(event?.metadata.namespace, 'default');
    assert.equal(event?.regarding.namespace, undefined);
    assert.ok(Buffer.byteLength(event?.note ?? '') <= 1024);
  });

  it('names Events <object>.<hex>, a valid DNS subdomain even for names with colons', async () => {
    const { sink, recorder } = setup();
    await recorder.normal(repo, 'A', 'a');
    await recorder.normal(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'system:Controller:x' },
      },
      'B',
      'b',
    );
    const names = sink.list().map((e) => e.metadata.name ?? '');
    assert.match(names[0] ?? '', /^podinfo\.[0-9a-f]+-/);
    const dns = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
    for (const event of sink.list()) assert.match(event.metadata.name ?? '', /^[a-z0-9.-]+$/);
    assert.match((names[1] ?? '').replace(/-[0-9a-f]+$/, ''), dns);
    assert.equal(sink.list()[0]?.metadata.generateName, undefined);
  });

  describe('with a queue', () => {
    /** A sink whose writes wait until released, to see what waits for them. */
    class GatedSink extends FakeSink {
      #gate = Promise.withResolvers<void>();
      inFlight = 0;
      maxInFlight = 0;
      release(): void {
        this.#gate.resolve();
      }
      override async create(namespace: string, event: KubeEvent): Promise<{ name: string }> {
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        await this.#gate.promise;
        this.inFlight--;
        return super.create(namespace, event);
      }
      override async patch(namespace: string, name: string, patch: { series: EventSeries }): Promise<void> {
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        await this.#gate.promise;
        this.inFlight--;
        return super.patch(namespace, name, patch);
      }
    }

    function queued(limit: number, concurrency: number) {
      const sink = new GatedSink();
      const drops: KubeEvent[] = [];
      const recorder = new EventRecorder({
        sink,
        reportingController: 'weft.dev/kustomize-controller',
        reportingInstance: 'kc-1',
        queue: { limit, concurrency },
        onDrop: (event) => drops.push(event),
      });
      return { sink, recorder, drops };
    }

    it('resolves before the write is done; flush waits for it', async () => {
      const { sink, recorder } = queued(10, 2);
      await recorder.normal(repo, 'Progressing', 'applied');
      assert.equal(sink.creates, 0, 'the write is still waiting on the API server');
      assert.equal(recorder.queued, 1);
      sink.release();
      await recorder.flush();
      assert.equal(sink.creates, 1);
      assert.equal(recorder.queued, 0);
    });

    it('drops and counts what does not fit, writing at most `concurrency` at once', async () => {
      const { sink, recorder, drops } = queued(3, 2);
      for (let i = 0; i < 5; i++) await recorder.normal(repo, 'Progressing', `change ${i}`);
      assert.equal(recorder.dropped, 2);
      assert.deepEqual(
        drops.map((e) => e.note),
        ['change 3', 'change 4'],
      );
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(sink.maxInFlight, 2);
      sink.release();
      await recorder.flush();
      assert.deepEqual(
        sink
          .list()
          .map((e) => e.note)
          .sort(),
        ['change 0', 'change 1', 'change 2'],
      );
      await recorder.normal(repo, 'Progressing', 'change 3');
      await recorder.flush();
      assert.equal(sink.creates, 4, 'a dropped Event is written when it happens again with room');
    });

    it('keeps a series in order and its count whole when a repeat is dropped', async () => {
      const { sink, recorder } = queued(2, 4);
      for (let i = 0; i < 4; i++) await recorder.warning(repo, 'HealthCheckFailed', 'timeout');
      assert.equal(recorder.dropped, 2);
      sink.release();
      await recorder.flush();
      await recorder.warning(repo, 'HealthCheckFailed', 'timeout');
      await recorder.flush();
      assert.equal(sink.creates, 1);
      assert.equal(sink.list()[0]?.series?.count, 5, 'dropped repeats still count');
    });
  });
});
