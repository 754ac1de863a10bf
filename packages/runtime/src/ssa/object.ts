/** Small readings of an object the apply and prune steps share. */
import { InvalidError } from '../client/errors.ts';
import type { KubeObject, ObjectRef } from '../client/types.ts';
import { errorMessage } from '../errors/index.ts';

export function annotation(obj: KubeObject | undefined, key: string): string | undefined {
  return obj?.metadata.annotations?.[key];
}

export function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name ?? '' };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
}

/** The message of an apply failure, with the fields an invalid object names. */
export function describeApplyError(err: unknown): string {
  if (err instanceof InvalidError && err.causes.length > 0) {
    const fields = err.causes.map((c) => `${c.field ?? ''}: ${c.message ?? c.reason ?? ''}`).join('; ');
    return `${err.message} [${fields}]`;
  }
  return errorMessage(err);
}
