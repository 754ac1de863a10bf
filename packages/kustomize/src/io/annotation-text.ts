import type { Document } from 'yaml';
import { isMap } from '../model/types.ts';
import { yamlPackage } from './yaml-package.ts';

/** The value node of `key` in a YAML map node, if any. */
const child = (node: unknown, key: string): unknown => {
  const { isMap: isYamlMap, isScalar } = yamlPackage();
  if (!isYamlMap(node)) return undefined;
  for (const pair of node.items) {
    if ((isScalar(pair.key) ? pair.key.value : pair.key) === key) return pair.value;
  }
  return undefined;
};

/** The text a scalar was written with (`1.50`, `0x1F`, `~`); '' for collections and empty values. */
const writtenText = (doc: Document, node: unknown): string => {
  const { isAlias, isScalar } = yamlPackage();
  const target = isAlias(node) ? node.resolve(doc) : node;
  return isScalar(target) ? (target.source ?? (target.value === null ? '' : String(target.value))) : '';
};

const fixObject = (doc: Document, node: unknown, obj: unknown): void => {
  if (!isMap(obj) || !isMap(obj.metadata)) return;
  const annotations = obj.metadata.annotations;
  if (!isMap(annotations)) return;
  let nodes: unknown;
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value === 'string') continue;
    nodes ??= child(child(node, 'metadata'), 'annotations');
    annotations[key] = writtenText(doc, child(nodes, key));
  }
};

/**
 * kustomize reads the values of an object's `metadata.annotations` as the text they were written
 * with, so `port: 8080` comes out as "8080", `1.50` as "1.50", `null` as "null" and a map or
 * list as "" (annotations are strings to the API server; a number would be refused). Labels keep
 * their type, as in kustomize. Items of a `kind: …List` document are not done here: kustomize
 * reads them through JSON, and the build's last step turns their values into strings (1.50 → "1.5").
 */
export const annotationsAsWritten = (doc: Document, value: unknown): void => {
  fixObject(doc, doc.contents, value);
};
