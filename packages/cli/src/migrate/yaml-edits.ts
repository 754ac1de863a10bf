/**
 * The edits one YAML file needs, found on the parsed documents but applied to the original
 * text: each edit replaces the bytes of one scalar (or of one setter marker in a comment), so
 * comments, quoting, indentation and order stay exactly as they were.
 */
import { isMap, isPair, isScalar, parseAllDocuments, type Scalar, visit } from 'yaml';
import { mapApiVersion, mapBootstrapName, mapKey, type ScalarVerdict, setterMarker } from './rules.ts';

export interface Edit {
  /** Offset of the replaced bytes in the file. */
  offset: number;
  before: string;
  after: string;
  rule: string;
  line: number;
  warning?: string;
}

export interface Unmapped {
  line: number;
  text: string;
  reason: string;
}

export interface FileEdits {
  edits: Edit[];
  unmapped: Unmapped[];
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Keys under which a mapping's keys are annotation or label names. */
const keyedMaps = new Set(['annotations', 'labels', 'matchLabels', 'commonAnnotations', 'commonLabels']);

/**
 * Where an API version's kind is found: the object's own `kind` beside `apiVersion`. A reference
 * (`sourceRef`, `chartRef`) carries its own `kind` too.
 */
function kindBeside(parent: unknown): string | undefined {
  if (!isMap(parent)) return undefined;
  const kind = parent.get('kind');
  return typeof kind === 'string' ? kind : undefined;
}

export function findEdits(text: string): FileEdits {
  const edits: Edit[] = [];
  const unmapped: Unmapped[] = [];
  const add = (node: Scalar, verdict: ScalarVerdict) => {
    if (verdict.kind === 'keep' || !node.range) return;
    const [start, end] = node.range;
    const source = text.slice(start, end);
    const value = String(node.value);
    if (verdict.kind === 'unmapped') {
      unmapped.push({ line: lineOf(text, start), text: source, reason: verdict.reason });
      return;
    }
    // The value's own bytes inside the scalar's (its quotes stay); an escaped value cannot be
    // edited byte for byte, so it is reported instead of re-serialised.
    const at = source.indexOf(value);
    if (at < 0 || source.indexOf(value, at + 1) >= 0) {
      unmapped.push({
        line: lineOf(text, start),
        text: source,
        reason: `written with escapes or folded: change it by hand to ${verdict.after}`,
      });
      return;
    }
    edits.push({
      offset: start + at,
      before: value,
      after: verdict.after,
      rule: verdict.rule,
      line: lineOf(text, start),
      ...(verdict.warning ? { warning: verdict.warning } : {}),
    });
  };

  for (const document of parseAllDocuments(text)) {
    if (!('contents' in document)) continue;
    visit(document, {
      Scalar(key, node, path) {
        if (typeof node.value !== 'string') return;
        const pair = path[path.length - 1];
        const collection = path[path.length - 2];
        const holder = path[path.length - 3];
        if (key === 'key' && isPair(pair)) {
          // A key of `annotations:`/`labels:`: an annotation or label name.
          const owner = isPair(holder) && isScalar(holder.key) ? String(holder.key.value) : undefined;
          if (owner && keyedMaps.has(owner)) add(node, mapKey(node.value));
          return;
        }
        const field = isPair(pair) && isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (field === 'apiVersion' || field === 'group') {
          add(node, mapApiVersion(node.value, field === 'apiVersion' ? kindBeside(collection) : undefined));
          return;
        }
        // A label selector string: `kustomize.toolkit.fluxcd.io/name=apps`.
        if (field === 'labelSelector') {
          const mapped = node.value.replace(/[a-z.]*fluxcd\.io\/[A-Za-z]+/g, (name) => {
            const verdict = mapKey(name);
            return verdict.kind === 'map' ? verdict.after : name;
          });
          if (mapped !== node.value) add(node, { kind: 'map', after: mapped, rule: 'annotation/label' });
          return;
        }
        add(node, mapBootstrapName(node.value));
      },
    });
  }

  for (const match of text.matchAll(setterMarker)) {
    const offset = match.index + (match[1]?.length ?? 0);
    edits.push({
      offset,
      before: 'flux-system',
      after: 'weft-system',
      rule: 'setter marker',
      line: lineOf(text, offset),
    });
  }
  edits.sort((a, b) => a.offset - b.offset);
  return { edits, unmapped };
}

/** The text with the edits made; every other byte as it was. */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  let result = '';
  let at = 0;
  for (const edit of [...edits].sort((a, b) => a.offset - b.offset)) {
    result += text.slice(at, edit.offset) + edit.after;
    at = edit.offset + edit.before.length;
  }
  return result + text.slice(at);
}
