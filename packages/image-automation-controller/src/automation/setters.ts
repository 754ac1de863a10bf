/**
 * Setter markers, as Flux's Setters strategy reads them: a YAML scalar followed on its line by
 * the comment `# {"$imagepolicy": "<namespace>:<policy>"}` takes the policy's image
 * (`name:tag`, or `name:tag@digest` when the digest is reflected); with a `:tag`, `:name` or
 * `:digest` suffix it takes only that part.
 *
 * The file is edited in place: only the bytes of each marked scalar are replaced (keeping its
 * quoting style), so comments, key order, blank lines, line endings and every other byte stay
 * as the user wrote them. The YAML parser is used only to find where the scalars are.
 */
import { isMap, parseAllDocuments, type Scalar, visit } from 'yaml';

/** The JSON key of a marker comment. */
export const SetterShortHand = '$imagepolicy';

export type SetterField = 'image' | 'tag' | 'name' | 'digest';

/** A parsed marker: which policy and which part of its image. */
export interface SetterRef {
  namespace: string;
  policy: string;
  field: SetterField;
  /** As written in the marker: `ns:policy` or `ns:policy:tag`. */
  setter: string;
}

/** The image a policy picked (its `status.latestRef`). */
export interface ImageRef {
  name: string;
  tag: string;
  digest?: string;
}

/** The object a change was made in, as Flux identifies it. */
export interface ObjectIdentifier {
  APIVersion: string;
  Kind: string;
  Name: string;
  Namespace: string;
}

export interface SetterChange {
  setter: SetterRef;
  oldValue: string;
  newValue: string;
  object: ObjectIdentifier;
}

export interface SetterEditResult {
  text: string;
  changes: SetterChange[];
}

/** A file that cannot be read as YAML; the message names the file and the parser's words. */
export class SetterFileError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'SetterFileError';
    this.file = file;
  }
}

/** Reads a marker comment (the text after `#`); undefined when the comment is no marker. */
export function parseMarker(comment: string): SetterRef | undefined {
  const text = comment.trim();
  if (!text.startsWith('{') || !text.includes(SetterShortHand)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const setter = (value as Record<string, unknown>)[SetterShortHand];
  if (typeof setter !== 'string') return undefined;
  const parts = setter.split(':');
  const [namespace, policy, suffix] = parts;
  if (parts.length < 2 || parts.length > 3 || !namespace || !policy) return undefined;
  if (suffix === undefined) return { namespace, policy, field: 'image', setter };
  if (suffix === 'tag' || suffix === 'name' || suffix === 'digest') {
    return { namespace, policy, field: suffix, setter };
  }
  return undefined;
}

/** The value a marker asks for; undefined when the policy has nothing for it (no digest yet). */
export function setterValue(ref: ImageRef, field: SetterField): string | undefined {
  switch (field) {
    case 'image':
      return ref.digest ? `${ref.name}:${ref.tag}@${ref.digest}` : `${ref.name}:${ref.tag}`;
    case 'tag':
      return ref.tag;
    case 'name':
      return ref.name;
    case 'digest':
      return ref.digest || undefined;
  }
}

/** Plain scalars that stay plain: what an image reference is made of, never YAML syntax. */
const plainSafe = /^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$/;

function render(style: Scalar['type'], value: string): string {
  if (style === 'QUOTE_SINGLE') return `'${value.replaceAll("'", "''")}'`;
  if (style === 'PLAIN' && plainSafe.test(value) && !value.endsWith(':')) return value;
  return JSON.stringify(value);
}

function identify(doc: ReturnType<typeof parseAllDocuments>[number]): ObjectIdentifier {
  const read = (path: string[]) => {
    if (!isMap(doc.contents)) return '';
    const value = doc.getIn(path);
    return typeof value === 'string' ? value : '';
  };
  return {
    APIVersion: read(['apiVersion']),
    Kind: read(['kind']),
    Name: read(['metadata', 'name']),
    Namespace: read(['metadata', 'namespace']),
  };
}

/**
 * Replaces every marked scalar of `text` whose policy `lookup` knows, and returns the new text
 * with the changes made (a value already right is no change). `file` names the file in errors.
 */
export function applySetters(
  file: string,
  text: string,
  lookup: (ref: SetterRef) => ImageRef | undefined,
): SetterEditResult {
  if (!text.includes(SetterShortHand)) return { text, changes: [] };
  // The failsafe schema reads every scalar as the string it is written as (`1.10` stays `1.10`).
  const docs = parseAllDocuments(text, { schema: 'failsafe', keepSourceTokens: false });
  if (!Array.isArray(docs)) return { text, changes: [] };
  const edits: { start: number; end: number; replacement: string; change: SetterChange }[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) throw new SetterFileError(file, `not valid YAML: ${error.message.split('\n')[0]}`);
    const object = identify(doc);
    visit(doc, {
      Scalar(_key, node) {
        if (node.comment === undefined || node.range === undefined || node.range === null) return;
        const [start, valueEnd] = node.range;
        // Only a comment on the scalar's own line is a marker (not one on the line below).
        const hash = text.indexOf('#', valueEnd);
        if (hash < 0 || /[\r\n]/.test(text.slice(valueEnd, hash))) return;
        const ref = parseMarker(node.comment ?? '');
        if (!ref) return;
        if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') return;
        const image = lookup(ref);
        if (!image) return;
        const newValue = setterValue(image, ref.field);
        const oldValue = String(node.value);
        if (newValue === undefined || newValue === oldValue) return;
        edits.push({
          start,
          end: valueEnd,
          replacement: render(node.type, newValue),
          change: { setter: ref, oldValue, newValue, object },
        });
      },
    });
  }
  if (edits.length === 0) return { text, changes: [] };
  let out = '';
  let at = 0;
  for (const edit of edits.sort((a, b) => a.start - b.start)) {
    out += text.slice(at, edit.start) + edit.replacement;
    at = edit.end;
  }
  out += text.slice(at);
  return { text: out, changes: edits.map((edit) => edit.change) };
}
