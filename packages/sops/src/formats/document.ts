/**
 * YAML and JSON files (JSON is read as YAML, which keeps the key order SOPS walks in): values are
 * the scalars of every document, the `sops` key of each document holds the metadata.
 */
import { type Document, isMap, isScalar, isSeq, type Node, parseAllDocuments } from 'yaml';
import type { SopsMetadata } from '../metadata.ts';
import type { Leaf, PlainValue } from '../tree.ts';

export interface ParsedDocuments {
  documents: Document[];
  metadata: SopsMetadata | undefined;
}

export function parseDocuments(text: string): ParsedDocuments {
  const documents = parseAllDocuments(text, { version: '1.2' });
  let metadata: SopsMetadata | undefined;
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(document.errors[0]?.message ?? 'invalid YAML');
    const contents = document.contents;
    if (isMap(contents) && metadata === undefined) {
      const found = contents.get('sops', true);
      if (found !== undefined) metadata = (found as Node).toJSON() as SopsMetadata;
    }
  }
  return { documents: documents as Document[], metadata };
}

/** The scalars of the documents, in order, without the `sops` keys. */
export function* documentLeaves(documents: readonly Document[]): Generator<Leaf> {
  for (const document of documents) {
    const contents = document.contents;
    if (isMap(contents)) {
      for (const pair of contents.items) {
        const key = keyText(pair.key);
        if (key === 'sops') continue;
        yield* nodeLeaves(pair.value as Node | null, [key]);
      }
    } else {
      yield* nodeLeaves(contents as Node | null, []);
    }
  }
}

/** Scalars are decrypted in place, so the document keeps its structure and key order. */
function* nodeLeaves(node: Node | null, path: string[]): Generator<Leaf> {
  if (isMap(node)) {
    for (const pair of node.items) {
      yield* nodeLeaves(pair.value as Node | null, [...path, keyText(pair.key)]);
    }
    return;
  }
  if (isSeq(node)) {
    for (const item of node.items) yield* nodeLeaves(item as Node | null, path);
    return;
  }
  if (isScalar(node)) {
    yield {
      path,
      value: node.value as PlainValue,
      set(value) {
        node.value = Buffer.isBuffer(value) ? value.toString('utf8') : value;
        // The ENC[…] text was a plain scalar; let the new value choose its own style.
        delete node.type;
      },
    };
    return;
  }
  if (node === null) yield { path, value: null, set: () => undefined };
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** The documents without their `sops` keys, as YAML. */
export function yamlText(documents: readonly Document[]): string {
  for (const document of documents) dropMetadata(document);
  return documents.map((document) => document.toString({ lineWidth: 0 }).replace(/^---\n/, '')).join('---\n');
}

/** The (first) document without its `sops` key, as indented JSON. */
export function jsonText(documents: readonly Document[]): string {
  const [document] = documents;
  if (document === undefined) return '';
  dropMetadata(document);
  return `${JSON.stringify(document.toJS(), null, 2)}\n`;
}

function dropMetadata(document: Document): void {
  if (isMap(document.contents)) document.contents.delete('sops');
}
