// A reader for the plain YAML most manifests are written in: block maps and lists, one-line
// plain and quoted scalars, `|` literals, `{}`/`[]`, comments and `---`. It builds the same
// values as the `yaml` package with the build's options (core schema, go-yaml octals, keys as
// strings), about ten times faster and with a fraction of the garbage, because it makes no
// syntax tree. Anything else (anchors, tags, flow collections with content, folded or
// multi-line scalars, tabs, CRLF, odd indentation) makes it give up, and the caller parses the
// text with the `yaml` package, which also reports the errors.
import {
  checkTrailing,
  indentOf,
  indicator,
  isBlank,
  isDashAt,
  keyColon,
  plainKey,
  plainText,
  readQuoted,
  resolvePlain,
  Unsupported,
  unsupported,
} from './fast-yaml-lines.ts';

/**
 * Where a node sits, for kustomize's one exception to the core schema: the values of an object's
 * `metadata.annotations` are read as the text they were written with ("8080", "1.50", "~").
 */
type Place = 'root' | 'metadata' | 'annotations' | 'annotation' | 'other';

const childPlace = (place: Place, key: string): Place => {
  if (place === 'root' && key === 'metadata') return 'metadata';
  if (place === 'metadata' && key === 'annotations') return 'annotations';
  return place === 'annotations' ? 'annotation' : 'other';
};

/** Nodes aliases may copy out of one text before the full parser takes over (and judges them). */
type AliasBudget = { nodes: number };

/** A copy of an anchored value (aliases are copies to kustomize), counted against the budget. */
const copyAnchored = (v: unknown, budget: AliasBudget): unknown => {
  if (--budget.nodes < 0) unsupported();
  if (Array.isArray(v)) return v.map((item) => copyAnchored(item, budget));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) out[k] = copyAnchored(item, budget);
    return out;
  }
  return v;
};

const anchorName = /^[^\s,[\]{}]+/;

class Reader {
  readonly lines: string[];
  i: number;
  readonly end: number;
  readonly anchors = new Map<string, unknown>();
  readonly budget: AliasBudget;

  constructor(lines: string[], start: number, end: number, budget: AliasBudget) {
    this.lines = lines;
    this.i = start;
    this.end = end;
    this.budget = budget;
  }

  /** Index of the next line with content (the end when none). */
  nextContent(): number {
    let j = this.i;
    while (j < this.end && isBlank(this.lines[j] as string)) j++;
    return j;
  }

  /** The next content line when it is an entry at `indent`; -1 when the block ends before it. */
  entry(indent: number): number {
    const j = this.nextContent();
    if (j >= this.end) return -1;
    const at = indentOf(this.lines[j] as string);
    if (at < indent) return -1;
    if (at > indent) unsupported();
    return j;
  }

  /** A map or list starting on the next content line, if that is indented by more than `parent`. */
  node(parent: number, place: Place): unknown {
    const j = this.nextContent();
    if (j >= this.end) return null;
    const line = this.lines[j] as string;
    const indent = indentOf(line);
    if (indent <= parent) return null;
    this.i = j;
    if (isDashAt(line, indent)) return this.seq(indent);
    if (keyColon(line, indent) !== -1) return this.map(indent, place);
    return unsupported();
  }

  map(indent: number, place: Place): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (true) {
      const j = this.entry(indent);
      if (j === -1) break;
      const line = this.lines[j] as string;
      const at = indent;
      const colon = keyColon(line, at);
      if (colon === -1) {
        // A list at the indentation of its key's map belongs to that key, and ends nothing here.
        if (isDashAt(line, at)) break;
        unsupported();
      }
      this.i = j;
      let key: string;
      if (line[at] === '"' || line[at] === "'") key = readQuoted(line, at)[0];
      else {
        const text = line.slice(at, colon);
        if (text === '<<' || text.endsWith(' ') || indicator.test(text) || text.includes(' #')) unsupported();
        key = plainKey(text);
      }
      // A repeated key is rare and must be reported (see yaml.ts): the full parser does that.
      if (key === '__proto__' || Object.hasOwn(out, key)) unsupported();
      out[key] = this.value(line, colon + 1, indent, childPlace(place, key), true);
    }
    return out;
  }

  seq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (true) {
      const j = this.entry(indent);
      if (j === -1) break;
      const line = this.lines[j] as string;
      const at = indent;
      if (!isDashAt(line, at)) break;
      this.i = j;
      let start = at + 1;
      while (line.charCodeAt(start) === 32) start++;
      // `- key: value` and `- - x` open a map or list at the column after the dash: read it as
      // if it stood on a line of its own, indented that far.
      if (start < line.length && (isDashAt(line, start) || keyColon(line, start) !== -1)) {
        this.lines[j] = ' '.repeat(start) + line.slice(start);
        out.push(isDashAt(line, start) ? this.seq(start) : this.map(start, 'other'));
        continue;
      }
      out.push(this.value(line, at + 1, indent, 'other', false));
    }
    return out;
  }

  /**
   * The value after a `key:` or `-` ending at `from` in `line` (the entry is at `indent`); it
   * may be on the next lines.
   */
  value(line: string, from: number, indent: number, place: Place, inMap: boolean): unknown {
    let start = from;
    while (line.charCodeAt(start) === 32) start++;
    const asText = place === 'annotation';
    const sigil = line[start];
    if (sigil === '&' || sigil === '*') {
      // Anchors and aliases of annotation values would need their written text: not here.
      if (asText) unsupported();
      const name = anchorName.exec(line.slice(start + 1))?.[0] ?? unsupported();
      const after = start + 1 + name.length;
      if (sigil === '*') {
        checkTrailing(line, after);
        if (!this.anchors.has(name)) unsupported();
        this.i++;
        const j = this.nextContent();
        if (j < this.end && indentOf(this.lines[j] as string) > indent) unsupported();
        return copyAnchored(this.anchors.get(name), this.budget);
      }
      if (after < line.length && line[after] !== ' ') unsupported();
      const anchored = this.value(line, after, indent, place, inMap);
      this.anchors.set(name, anchored);
      return anchored;
    }
    this.i++;
    if (start >= line.length || line.charCodeAt(start) === 35) {
      // On the next lines: more indented, or (for a key) a list at the key's own indentation.
      const j = this.nextContent();
      let v: unknown;
      if (
        inMap &&
        j < this.end &&
        indentOf(this.lines[j] as string) === indent &&
        isDashAt(this.lines[j] as string, indent)
      ) {
        this.i = j;
        v = this.seq(indent);
      } else v = this.node(indent, place);
      return asText ? '' : v;
    }
    const c = line[start];
    let value: unknown;
    let text: string | undefined;
    if (c === '"' || c === "'") {
      const [read, after] = readQuoted(line, start);
      checkTrailing(line, after);
      value = read;
      text = read;
    } else if (c === '|') {
      const header = line
        .slice(start)
        .replace(/\s+#.*$/, '')
        .trimEnd();
      if (header !== '|' && header !== '|-' && header !== '|+') unsupported();
      return this.literal(indent, header);
    } else if (c === '{' || c === '[') {
      const flow = line
        .slice(start)
        .replace(/\s+#.*$/, '')
        .trimEnd();
      if (flow !== '{}' && flow !== '[]') unsupported();
      value = flow === '{}' ? {} : [];
      text = '';
    } else {
      text = plainText(line, start);
      value = asText ? text : resolvePlain(text);
    }
    // A more indented line after a one-line value would continue it (a multi-line scalar).
    const j = this.nextContent();
    if (j < this.end && indentOf(this.lines[j] as string) > indent) unsupported();
    return asText ? text : value;
  }

  /** A `|` block scalar whose entry is at `parent`, on the lines from `this.i` on. */
  literal(parent: number, header: string): string {
    const content: string[] = [];
    let indent = -1;
    let j = this.i;
    for (; j < this.end; j++) {
      const line = this.lines[j] as string;
      const at = indentOf(line);
      if (at === line.length) {
        // Blank lines before the first content line may not be indented past it.
        if (indent === -1 && at > parent + 1) unsupported();
        content.push(indent === -1 || at <= indent ? '' : line.slice(indent));
        continue;
      }
      if (indent === -1) {
        if (at <= parent) break;
        indent = at;
      }
      if (at < indent) break;
      content.push(line.slice(indent));
    }
    this.i = j;
    // Blank lines at the end are the scalar's only for `|+`; the reader skips them otherwise.
    let last = content.length;
    while (last > 0 && content[last - 1] === '') last--;
    const body = content.slice(0, last).join('\n');
    if (header === '|-') return body;
    if (header === '|+') return body + (last > 0 ? '\n' : '') + '\n'.repeat(content.length - last);
    return last > 0 ? `${body}\n` : '';
  }
}

/** The documents of `text` as plain values, or undefined when it needs the full YAML parser. */
export const parseSimpleYaml = (text: string, maxAliasNodes = 100_000): unknown[] | undefined => {
  if (text.includes('\t') || text.includes('\r') || text.charCodeAt(0) === 0xfeff) return undefined;
  const lines = text.split('\n');
  const docs: unknown[] = [];
  const budget = { nodes: maxAliasNodes };
  try {
    let start = 0;
    for (let i = 0; i <= lines.length; i++) {
      const line = lines[i];
      const boundary =
        line === undefined ||
        (line.startsWith('---') && isBlank(line.slice(3)) && (line.length === 3 || line[3] === ' '));
      if (line !== undefined && (line.startsWith('...') || line.startsWith('%'))) return undefined;
      if (!boundary) continue;
      docs.push(readDocument(lines, start, i, budget));
      start = i + 1;
    }
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
  return docs.filter((d) => d !== null);
};

const readDocument = (lines: string[], start: number, end: number, budget: AliasBudget): unknown => {
  const reader = new Reader(lines, start, end, budget);
  const j = reader.nextContent();
  if (j >= end) return null;
  const line = lines[j] as string;
  const indent = indentOf(line);
  reader.i = j;
  let value: unknown;
  if (isDashAt(line, indent)) value = reader.seq(indent);
  else if (keyColon(line, indent) !== -1) value = reader.map(indent, 'root');
  else return unsupported();
  if (reader.nextContent() < end) unsupported();
  return value;
};
