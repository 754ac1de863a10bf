/**
 * The controller's own install and upgrade, for charts `helm template` renders completely (see
 * render.ts): the release is written to Helm's storage exactly as Helm writes it (pending first,
 * so a killed controller leaves a pending revision the next reconcile recovers; then deployed or
 * failed, the revision it replaces superseded, history trimmed to maxHistory), the objects are
 * applied by the runtime's apply engine as Helm's field manager with Helm's ownership metadata,
 * objects that left the chart are deleted, and the wait is the runtime's kstatus health check.
 * So `helm ls`, `helm history`, `helm get`, `helm rollback`, `helm upgrade` and `helm uninstall`
 * work on what it made, and no helm process holds a slot while the release waits.
 */
import { type Client, describeObject, type KubeObject, type ObjectRef } from '@weft/runtime/client';
import { errorMessage } from '@weft/runtime/errors';
import { inventoryOf, mapLimit, objectId, ResourceManager } from '@weft/runtime/ssa';
import { manifestObjects } from '../drift.ts';
import {
  createRelease,
  deleteRelease,
  type HelmReleaseRecord,
  releaseRecord,
  updateRelease,
  withStatus,
} from '../helm/storage.ts';
import type { HelmChartJson } from './chart-json.ts';

/** Helm 4 applies with its binary's name as field manager. */
export const helmFieldManager = 'helm';

/** An install or upgrade that failed; its message is what a user reads (as helm's error line). */
export class ReleaseActionError extends Error {
  override name = 'ReleaseActionError';
}

export interface ReleaseRequest {
  /** rollback: a new revision of an earlier one's chart, values and manifest, as `helm rollback`. */
  action: 'install' | 'upgrade' | 'rollback';
  releaseName: string;
  namespace: string;
  /** Where the revisions are stored (spec.storageNamespace, default the release namespace). */
  storageNamespace: string;
  /** The stored revisions, newest first. */
  history: readonly HelmReleaseRecord[];
  chart: HelmChartJson;
  values: Record<string, unknown>;
  manifest: string;
  /** The rendered NOTES.txt (`helm get notes`), stored when not empty. */
  notes?: string | undefined;
  description: string;
  timeoutMs: number;
  disableWait: boolean;
  disableWaitForJobs: boolean;
  /** Revisions kept (0 keeps all). */
  maxHistory: number;
  signal?: AbortSignal;
  /**
   * Runs the wait for the applied objects without holding a `--concurrent` slot
   * (ReconcileContext.waiting): it only waits on the objects' own controllers.
   */
  waiting?: (<R>(work: () => Promise<R>) => Promise<R>) | undefined;
}

/** Helm's words for a revision whose action is under way. */
const pendingText = {
  install: { status: 'pending-install', description: 'Initial install underway' },
  upgrade: { status: 'pending-upgrade', description: 'Preparing upgrade' },
  rollback: { status: 'pending-rollback', description: 'Preparing rollback' },
} as const;

export const keepPolicy = 'helm.sh/resource-policy';

function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name ?? '',
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

/** Helm's ownership metadata on every object it creates or updates. */
function owned(obj: KubeObject, releaseName: string, namespace: string): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels, 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: {
        ...obj.metadata.annotations,
        'meta.helm.sh/release-name': releaseName,
        'meta.helm.sh/release-namespace': namespace,
      },
    },
  };
}

/**
 * Helm's refusal to take over what another release (or no release) owns: an object the release
 * creates that exists already must carry this release's ownership metadata.
 */
async function checkOwnership(
  client: Client,
  objects: readonly KubeObject[],
  previous: readonly KubeObject[],
  request: ReleaseRequest,
): Promise<void> {
  const known = new Set(previous.map((obj) => objectId(obj)));
  const created = objects.filter((obj) => !known.has(objectId(obj)));
  const problems = await mapLimit(created, 10, async (obj) => {
    const live = await client.find(refOf(obj), request.signal).catch(() => undefined);
    if (!live) return undefined;
    const why: string[] = [];
    if (live.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'Helm')
      why.push('label app.kubernetes.io/managed-by must be "Helm"');
    if (live.metadata.annotations?.['meta.helm.sh/release-name'] !== request.releaseName)
      why.push(`annotation meta.helm.sh/release-name must be "${request.releaseName}"`);
    if (live.metadata.annotations?.['meta.helm.sh/release-namespace'] !== request.namespace)
      why.push(`annotation meta.helm.sh/release-namespace must be "${request.namespace}"`);
    return why.length === 0
      ? undefined
      : `${describeObject(obj)} exists and cannot be imported into the current release: invalid ownership metadata (${why.join('; ')})`;
  });
  const found = problems.filter((problem) => problem !== undefined);
  if (found.length > 0)
    throw new ReleaseActionError(
      `rendered manifests contain a resource that already exists: ${found.join(', ')}`,
    );
}

/** The revision an upgrade replaces, as Helm picks it: the deployed one, else the newest. */
function currentRevision(history: readonly HelmReleaseRecord[]): HelmReleaseRecord | undefined {
  const latest = history[0];
  if (latest?.status === 'deployed') return latest;
  return history.find((record) => record.status === 'deployed') ?? latest;
}

export class ReleaseEngine {
  readonly #client: Client;

  constructor(client: Client) {
    this.#client = client.withFieldManager(helmFieldManager);
  }

  /**
   * Runs the action; the stored revision says how it went. Throws ReleaseActionError on failure.
   * Returns the revisions as it left them in storage, newest first (what `releaseHistory` would
   * read now, without reading it).
   */
  async run(request: ReleaseRequest, client = this.#client): Promise<HelmReleaseRecord[]> {
    const now = new Date().toISOString();
    const latest = request.history[0];
    const current = request.action !== 'install' ? currentRevision(request.history) : undefined;
    const firstDeployed =
      (current?.raw.info as { first_deployed?: string } | undefined)?.first_deployed ?? now;
    let release: Record<string, unknown> = {
      name: request.releaseName,
      info: {
        first_deployed: request.action !== 'install' ? firstDeployed : now,
        last_deployed: now,
        description: pendingText[request.action].description,
        status: pendingText[request.action].status,
        ...(request.notes ? { notes: request.notes } : {}),
      },
      chart: request.chart,
      config: request.values,
      manifest: request.manifest,
      version: (latest?.version ?? 0) + 1,
      namespace: request.namespace,
      apply_method: 'ssa',
    };
    const [objects, previous] = await Promise.all([
      manifestObjects(client, request.manifest, request.namespace),
      current ? manifestObjects(client, current.manifest, current.namespace) : [],
    ]).catch((error: unknown) => {
      throw new ReleaseActionError(
        `unable to build kubernetes objects from release manifest: ${errorMessage(error)}`,
      );
    });
    for (const [index, obj] of objects.entries())
      objects[index] = owned(obj, request.releaseName, request.namespace);
    // Before anything is stored: a failed revision would be remediated by an uninstall, which
    // would delete the objects that belong to someone else.
    await checkOwnership(client, objects, previous, request);
    try {
      await createRelease(client, release, request.storageNamespace);
    } catch (error) {
      throw new ReleaseActionError(`cannot store the release: ${errorMessage(error)}`);
    }
    try {
      await this.#apply(request, objects, previous, client);
    } catch (error) {
      const verb = { install: 'Release', upgrade: 'Upgrade', rollback: 'Rollback' }[request.action];
      const message = errorMessage(error);
      release = withStatus(release, 'failed', `${verb} "${request.releaseName}" failed: ${message}`);
      await updateRelease(client, release, request.storageNamespace);
      throw new ReleaseActionError(message);
    }
    release = withStatus(release, 'deployed', request.description);
    const stored = new Map(request.history.map((record) => [record.version, record]));
    const supersede = async (record: HelmReleaseRecord) => {
      const raw = withStatus(record.raw, 'superseded');
      await updateRelease(client, raw, record.storageNamespace);
      stored.set(record.version, releaseRecord(raw, record.storageNamespace, record.secretName));
    };
    if (current && current.status !== 'superseded') await supersede(current);
    // helm rollback supersedes the revision it rolls back from (the failed one) too.
    if (request.action === 'rollback' && latest && latest !== current && latest.status !== 'superseded')
      await supersede(latest);
    await updateRelease(client, release, request.storageNamespace);
    const written = releaseRecord(release, request.storageNamespace);
    stored.set(written.version, written);
    for (const record of await this.#trimHistory(request, client)) stored.delete(record.version);
    return [...stored.values()].sort((a, b) => b.version - a.version);
  }

  async #apply(
    request: ReleaseRequest,
    objects: KubeObject[],
    previous: KubeObject[],
    client: Client,
  ): Promise<void> {
    const manager = new ResourceManager(client, { fieldManager: helmFieldManager });
    // What the release had is the inventory hint: an object new to it starts its plan with the
    // dry run (checkOwnership has just read it), one read less per new object.
    const applied = await manager.applyAll(objects, {
      inventory: previous.length > 0 ? inventoryOf(previous) : null,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    if (previous.length > 0) {
      const removable = previous.filter((obj) => obj.metadata.annotations?.[keepPolicy] !== 'keep');
      await manager.prune(inventoryOf(removable), inventoryOf(objects));
    }
    if (request.disableWait) return;
    const refs = objects.filter((obj) => !(request.disableWaitForJobs && obj.kind === 'Job')).map(refOf);
    // Judged on the apply's answers first (what is Current there is not read again), then on
    // watch events of the rest: the wait ends when the Deployment controller writes its status,
    // not at the next poll.
    const wait = () =>
      manager.wait(refs, {
        timeoutMs: request.timeoutMs,
        intervalMs: 500,
        objects: applied.changeSet.flatMap((entry) => (entry.object ? [entry.object] : [])),
        watch: true,
        ...(request.signal ? { signal: request.signal } : {}),
      });
    await (request.waiting ? request.waiting(wait) : wait());
  }

  /** Deletes the oldest revisions past maxHistory, never the deployed one (as Helm's storage); returns them. */
  async #trimHistory(request: ReleaseRequest, client: Client): Promise<HelmReleaseRecord[]> {
    if (request.maxHistory <= 0) return [];
    const all = [...request.history].sort((a, b) => a.version - b.version);
    const excess = all.length + 1 - request.maxHistory;
    const trimmed = all.slice(0, Math.max(0, excess));
    for (const record of trimmed) await deleteRelease(client, record);
    return trimmed;
  }
}
