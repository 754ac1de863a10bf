/**
 * Artifacts missing from storage that an object's status still names: after an upgrade or a
 * reschedule the new pod starts with empty storage, and consumers that read the old status would
 * get 404s until each object is reconciled again. Before the artifact server answers 404 for such
 * a path, this queues the object (a no-op when it is queued or running already) and holds the
 * request until the artifact is back (deterministic artifacts of an unchanged source come back
 * with the same digest), the object's status names another one, or a deadline passes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Storage } from '@weft/artifact';
import { isRecord, type KubeObject } from '@weft/runtime/client';

/** What recovery needs of a Controller. */
export interface RecoverableController {
  readonly hasSynced: boolean;
  cached(key: string): KubeObject | undefined;
  readonly queue: { add(key: string): void };
}

export interface RecoveryOptions {
  /** Controllers by the lowercased kind of their storage paths (`ocirepository`, …). */
  controllers: Record<string, RecoverableController>;
  storage: () => Storage;
  /** How long a request waits for its artifact (default 20 s). */
  timeoutMs?: number;
  /** How often storage is looked at meanwhile (default 250 ms). */
  pollMs?: number;
}

function statusDigest(obj: KubeObject | undefined): string | undefined {
  const status = isRecord(obj?.status) ? obj.status : {};
  return isRecord(status.artifact) && typeof status.artifact.digest === 'string'
    ? status.artifact.digest
    : undefined;
}

/** The artifact server's `recover`: true once the requested artifact is stored again. */
export function artifactRecovery(
  options: RecoveryOptions,
): (relativePath: string, signal: AbortSignal) => Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const pollMs = options.pollMs ?? 250;
  return async (relativePath, signal) => {
    const [kind = '', namespace = '', name = '', file = '', ...rest] = relativePath.split('/');
    const controller = Object.hasOwn(options.controllers, kind) ? options.controllers[kind] : undefined;
    if (!controller || rest.length > 0 || !file.endsWith('.tar.gz')) return false;
    const key = `${namespace}/${name}`;
    const digest = `sha256:${file.slice(0, -'.tar.gz'.length)}`;
    const named = () => statusDigest(controller.cached(key)) === digest;
    const deadline = Date.now() + timeoutMs;
    const wait = () => sleep(pollMs, undefined, { signal }).catch(() => {});
    // The server listens before the caches have synced: a request at start-up waits for them.
    while (!controller.hasSynced && !signal.aborted && Date.now() < deadline) await wait();
    if (!named()) return false;
    controller.queue.add(key);
    const ref = { kind, namespace, name };
    while (!signal.aborted && named()) {
      if (await options.storage().has(ref, digest)) return true;
      if (Date.now() >= deadline) return false;
      await wait();
    }
    return false;
  };
}
