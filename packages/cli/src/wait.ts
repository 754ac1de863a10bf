/** Waits, with a progress board, until Deployments roll out and CRDs are Established. */
import type { Client, KubeObject } from '@weft/runtime/client';
import { computeStatus, HealthStatus } from '@weft/runtime/health';
import { CliError, ExitCode } from './exit.ts';
import type { Output } from './output.ts';

const pollMs = 1_000;

interface Watched {
  label: string;
  ref: { apiVersion: string; kind: string; namespace?: string; name: string };
}

/** The object's state in words: a Deployment's replicas, a CRD's Established condition, or kstatus'. */
function describeState(object: KubeObject | undefined): { ready: boolean; failed: boolean; text: string } {
  if (!object) return { ready: false, failed: false, text: 'not found' };
  const health = computeStatus(object);
  if (object.kind === 'Deployment') {
    const status = (object.status ?? {}) as Record<string, number | undefined>;
    const spec = (object.spec ?? {}) as { replicas?: number };
    const text = `${status.readyReplicas ?? 0}/${spec.replicas ?? 1} ready`;
    return {
      ready: health.status === HealthStatus.Current,
      failed: health.status === HealthStatus.Failed,
      text: health.status === HealthStatus.Failed ? `${text}: ${health.message}` : text,
    };
  }
  if (health.status === HealthStatus.Current) return { ready: true, failed: false, text: 'ready' };
  return {
    ready: false,
    failed: health.status === HealthStatus.Failed,
    text: health.message || health.status,
  };
}

export async function waitUntilReady(
  client: Client,
  objects: readonly KubeObject[],
  timeoutMs: number,
  /** Shows a line per object while waiting; without it, waits quietly. */
  output?: Output,
): Promise<void> {
  const watched: Watched[] = objects.map((object) => ({
    label: `${object.kind === 'Deployment' ? '' : `${object.kind} `}${object.metadata.name}`,
    ref: {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name ?? '',
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    },
  }));
  const board = output?.board(watched.map((w) => w.label));
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(watched);
  try {
    while (pending.size > 0) {
      await Promise.all(
        [...pending].map(async (item) => {
          const state = describeState(await client.find(item.ref));
          board?.set(item.label, state.text, state.ready ? 'ok' : 'wait');
          if (state.ready) pending.delete(item);
        }),
      );
      if (pending.size === 0) break;
      if (Date.now() > deadline) {
        const names = [...pending].map((item) => item.label).join(', ');
        throw new CliError(
          `not ready within --timeout: ${names}; kubectl describe shows why (e.g. an image that cannot be pulled)`,
          ExitCode.Failed,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    board?.stop();
  }
}
