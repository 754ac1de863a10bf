/**
 * Drift ignore rules in the apply engine: fields that another writer owns (an HPA's replicas, an
 * injected sidecar, annotations cert-manager writes) are taken from the live object into what is
 * applied, or left out where the live object has none. So they are neither applied nor seen as
 * drift, while every other field is still applied and corrected. An object that does not exist
 * yet is created with all its fields: there is nothing live to defer to.
 *
 * Paths are JSON pointers (RFC 6901): `/spec/replicas`,
 * `/metadata/annotations/cert-manager.io~1issuer`, `/spec/template/spec/containers/0/image`.
 */
import { isRecord, type KubeObject } from '../client/types.ts';

export class JsonPointerError extends Error {}

/** The reference tokens of a JSON pointer (`~1` is `/`, `~0` is `~`). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new JsonPointerError(`"${pointer}" is not a JSON pointer: it must start with /`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

type Container = Record<string, unknown> | unknown[];

function child(node: unknown, token: string): unknown {
  if (Array.isArray(node)) return /^\d+$/.test(token) ? node[Number(token)] : undefined;
  return isRecord(node) ? node[token] : undefined;
}

function has(node: unknown, token: string): boolean {
  if (Array.isArray(node)) return /^\d+$/.test(token) && Number(token) < node.length;
  return isRecord(node) && Object.hasOwn(node, token);
}

/** `desired` with the values at `pointers` taken from `live` (removed where live has none). */
export function withIgnoredFields(
  desired: KubeObject,
  live: KubeObject | undefined,
  pointers: readonly string[],
): KubeObject {
  if (live === undefined || pointers.length === 0) return desired;
  const result = structuredClone(desired);
  for (const pointer of pointers) {
    const tokens = parseJsonPointer(pointer);
    const last = tokens.pop();
    if (last === undefined) continue;
    let target: unknown = result;
    let source: unknown = live;
    for (const token of tokens) {
      target = child(target, token);
      source = child(source, token);
    }
    // The desired object has no such parent: nothing is applied there anyway.
    if (!isRecord(target) && !Array.isArray(target)) continue;
    const container = target as Container;
    if (has(source, last)) {
      const value = structuredClone(child(source, last));
      if (Array.isArray(container)) {
        if (has(container, last)) container[Number(last)] = value;
      } else {
        container[last] = value;
      }
    } else if (has(container, last)) {
      if (Array.isArray(container)) container.splice(Number(last), 1);
      else delete container[last];
    }
  }
  return result;
}
