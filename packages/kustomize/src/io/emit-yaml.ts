// Writes plain data (what a build returns: maps, lists, strings, numbers, booleans, null) as
// block YAML, the way `kustomize build` prints it: two-space maps, lists at their key's
// indentation, `|` literals for multi-line text. Strings are left plain only when no YAML 1.1 or
// 1.2 reader could take them for anything else (kubectl and the API server read YAML 1.1, where
// `on`, `y` and `0777` are not strings); everything else is double-quoted with JSON's escapes,
// which YAML reads the same. Several times faster than the `yaml` package's stringify, which
// builds a document tree first.

// Starts with a letter, `_`, `/` or `.`; then letters, digits and a few marks. No `: `, ` #`, no
// trailing space or colon (checked apart).
const plainSafe = /^[A-Za-z_/.][A-Za-z0-9 _./:@=+,()-]*$/;
// A leading dot may start a number (`.5`, `.inf`, `.nan`).
const dotNumber = /^\.(?:[0-9]|inf$|nan$)/i;
// Words YAML 1.1 reads as booleans or null, in any case.
const keywords = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null']);
// Characters YAML counts as line breaks or may not print raw: always escaped.
const unsafeInQuotes = /[\u007f-\u009f\u2028\u2029\ufeff\ud800-\udfff]/g;

const isPlain = (s: string): boolean =>
  plainSafe.test(s) &&
  !dotNumber.test(s) &&
  !keywords.has(s.toLowerCase()) &&
  !s.endsWith(' ') &&
  !s.endsWith(':') &&
  !s.includes(': ') &&
  !s.includes(' #');

const quoted = (s: string): string =>
  JSON.stringify(s).replace(unsafeInQuotes, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const scalarText = (v: unknown): string => {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return isPlain(v) ? v : quoted(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return Object.is(v, -0) ? '-0' : String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return quoted(String(v));
};

// A `|` block keeps text as it is, if its first line needs no indentation indicator and it holds
// only printable characters (tabs and newlines allowed).
const literalSafe = (s: string): boolean => {
  const first = s.charCodeAt(0);
  if (first === 32 || first === 9 || first === 10) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10) || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029)
      return false;
    if (c === 0xfeff || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
};

/** The `|` header and lines of a multi-line string, or undefined when it must be quoted. */
const literal = (s: string, indent: string): string | undefined => {
  if (!s.includes('\n') || !literalSafe(s)) return undefined;
  let body = s;
  let header = '|';
  if (!s.endsWith('\n')) header = '|-';
  else if (s.endsWith('\n\n')) header = '|+';
  if (header !== '|-') body = s.slice(0, -1);
  const lines = body.split('\n').map((line) => (line === '' ? '' : indent + line));
  return `${header}\n${lines.join('\n')}`;
};

const isEmptyCollection = (v: unknown): string | undefined => {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
  if (v !== null && typeof v === 'object') return Object.keys(v).length === 0 ? '{}' : undefined;
  return undefined;
};

const keyText = (k: string): string => (isPlain(k) ? k : quoted(k));

/** Appends the lines of map `m` at `indent` to `out`. */
const emitMap = (m: Record<string, unknown>, indent: string, out: string[]): void => {
  for (const [k, v] of Object.entries(m)) {
    const key = `${indent}${keyText(k)}:`;
    emitValue(v, key, indent, `${indent}  `, out, true);
  }
};

/** Appends the lines of list `l` at `indent` to `out`. */
const emitSeq = (l: unknown[], indent: string, out: string[]): void => {
  for (const v of l) emitValue(v, `${indent}-`, indent, `${indent}  `, out, false);
};

/**
 * Appends `v` after `lead` (a `key:` or `-`): on the same line when it is a scalar, an empty
 * collection, or (after `-`) the first line of a map or list; below it otherwise.
 */
const emitValue = (
  v: unknown,
  lead: string,
  indent: string,
  inner: string,
  out: string[],
  afterKey: boolean,
): void => {
  const empty = isEmptyCollection(v);
  if (empty !== undefined) {
    out.push(`${lead} ${empty}`);
    return;
  }
  if (Array.isArray(v)) {
    if (afterKey) {
      out.push(lead);
      emitSeq(v, indent, out);
      return;
    }
    const start = out.length;
    emitSeq(v, inner, out);
    out[start] = `${lead} ${(out[start] as string).slice(inner.length)}`;
    return;
  }
  if (v !== null && typeof v === 'object') {
    if (afterKey) {
      out.push(lead);
      emitMap(v as Record<string, unknown>, inner, out);
      return;
    }
    const start = out.length;
    emitMap(v as Record<string, unknown>, inner, out);
    out[start] = `${lead} ${(out[start] as string).slice(inner.length)}`;
    return;
  }
  if (typeof v === 'string') {
    const block = literal(v, inner);
    if (block !== undefined) {
      out.push(`${lead} ${block}`);
      return;
    }
  }
  out.push(`${lead} ${scalarText(v)}`);
};

/** One object (or any value) as a YAML document body, ending with a newline. */
export const emitYaml = (v: unknown): string => {
  const empty = isEmptyCollection(v);
  if (empty !== undefined) return `${empty}\n`;
  const out: string[] = [];
  if (Array.isArray(v)) emitSeq(v, '', out);
  else if (v !== null && typeof v === 'object') emitMap(v as Record<string, unknown>, '', out);
  else return `${typeof v === 'string' && v.includes('\n') ? quoted(v) : scalarText(v)}\n`;
  return `${out.join('\n')}\n`;
};
