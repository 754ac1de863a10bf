/** Waits until the Kustomization has applied the pushed commit and is Ready. */
import type { Client, KubeObject } from '@weft/runtime/client';
import { CliError } from '../exit.ts';
import type { Output } from '../output.ts';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

function readyCondition(object: KubeObject | undefined): Condition | undefined {
  const conditions = (object?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  return conditions.find((condition) => condition.type === 'Ready');
}

export async function waitForSync(
  client: Client,
  ref: { namespace: string; name: string },
  revision: string,
  timeoutMs: number,
  output: Output,
): Promise<void> {
  const board = output.board([`Kustomization ${ref.name}`]);
  const deadline = Date.now() + timeoutMs;
  let last = 'waiting for the first reconcile';
  try {
    for (;;) {
      const object = await client.find({
        apiVersion: 'kustomize.weft.dev/v1',
        kind: 'Kustomization',
        ...ref,
      });
      const ready = readyCondition(object);
      const applied = (object?.status as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision;
      if (ready?.status === 'True' && applied === revision) {
        board.set(`Kustomization ${ref.name}`, `applied revision ${revision}`, 'ok');
        return;
      }
      last = ready ? `${ready.reason ?? ready.status}: ${ready.message ?? ''}` : last;
      board.set(`Kustomization ${ref.name}`, last);
      if (Date.now() > deadline) {
        throw new CliError(
          `Kustomization ${ref.namespace}/${ref.name} has not applied ${revision} within --timeout (${last}); kubectl describe gitrepository,kustomization -n ${ref.namespace} shows why`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  } finally {
    board.stop();
  }
}
