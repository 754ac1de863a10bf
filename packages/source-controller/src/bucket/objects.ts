import { createHash } from 'node:crypto';
import type { IgnoreRules } from '../ignore/rules.ts';
import type { ListedObject } from './xml.ts';

/**
 * The objects that go into the artifact: files only (keys ending in `/` are folder markers), not
 * ignored, and with keys that are safe relative paths. A key that could climb out of the
 * download directory (`..`, absolute, empty segments) is an error, not silently skipped.
 */
export function selectObjects(objects: readonly ListedObject[], rules: IgnoreRules): ListedObject[] {
  const selected: ListedObject[] = [];
  for (const object of objects) {
    if (object.key.endsWith('/')) continue;
    const segments = object.key.split('/');
    if (
      object.key.startsWith('/') ||
      segments.some((segment) => segment === '' || segment === '.' || segment === '..')
    )
      throw new Error(`object key "${object.key}" is not a safe relative path`);
    if (rules.ignores(object.key, false)) continue;
    selected.push(object);
  }
  return selected.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The revision of a bucket's content: `sha256:` of the sorted key and ETag list (Flux's index digest). */
export function listRevision(objects: readonly ListedObject[]): string {
  const hash = createHash('sha256');
  for (const object of [...objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
    hash.update(`${object.key} ${object.etag}\n`);
  return `sha256:${hash.digest('hex')}`;
}
