// The line-level half of the fast YAML reader (fast-yaml.ts): scalars as the core schema
// resolves them, quoted strings with their escapes, comments after a value, indentation, and
// where a block map key ends. Whatever leaves the subset throws Unsupported.

/** Thrown (and caught in `parseSimpleYaml`) where the text leaves the subset read here. */
export class Unsupported extends Error {}
export const unsupported = (): never => {
  throw new Unsupported();
};

const nullPattern = /^(?:~|[Nn]ull|NULL)?$/;
const boolPattern = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const legacyOctalPattern = /^0[0-7]+$/;
const octalPattern = /^0o[0-7]+$/;
const intPattern = /^[-+]?[0-9]+$/;
const hexPattern = /^0x[0-9a-fA-F]+$/;
const specialFloatPattern = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const expFloatPattern = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const floatPattern = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** What a plain scalar means under the core schema, go-yaml's `0777` octal first. */
export const resolvePlain = (s: string): unknown => {
  const c = s.charCodeAt(0);
  // Most scalars are words: nothing below starts with a letter other than n, N, t, T, f, F.
  if (s.length > 5 && ((c >= 97 && c <= 122 && c !== 110 && c !== 116 && c !== 102) || c === 47)) return s;
  if (nullPattern.test(s)) return null;
  if (boolPattern.test(s)) return s.charCodeAt(0) === 116 || s.charCodeAt(0) === 84;
  if (legacyOctalPattern.test(s)) return Number.parseInt(s, 8);
  if (octalPattern.test(s)) return Number.parseInt(s.slice(2), 8);
  if (intPattern.test(s)) return Number.parseInt(s, 10);
  if (hexPattern.test(s)) return Number.parseInt(s.slice(2), 16);
  if (specialFloatPattern.test(s)) {
    if (s.slice(-3).toLowerCase() === 'nan') return Number.NaN;
    return s.charCodeAt(0) === 45 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (expFloatPattern.test(s) || floatPattern.test(s)) return Number.parseFloat(s);
  return s;
};

/** A map key as the `yaml` package turns it into an object key (`1.50:` → "1.5", `~:` → ""). */
export const plainKey = (s: string): string => {
  const v = resolvePlain(s);
  return v === null ? '' : String(v);
};

const escapes: Record<string, string> = {
  '\\': '\\',
  '"': '"',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  b: '\b',
  f: '\f',
  e: '\x1b',
  a: '\x07',
  v: '\v',
  ' ': ' ',
};

/** Reads a quoted scalar at `start` of `line`; returns its value and the index after it. */
export const readQuoted = (line: string, start: number): [string, number] => {
  const quote = line[start];
  let out = '';
  let i = start + 1;
  while (i < line.length) {
    const c = line[i] as string;
    if (quote === "'") {
      if (c === "'") {
        if (line[i + 1] === "'") {
          out += "'";
          i += 2;
          continue;
        }
        return [out, i + 1];
      }
      out += c;
      i++;
      continue;
    }
    if (c === '"') return [out, i + 1];
    if (c === '\\') {
      const e = line[i + 1] as string;
      const simple = escapes[e];
      if (simple !== undefined) {
        out += simple;
        i += 2;
        continue;
      }
      const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      const hex = line.slice(i + 2, i + 2 + width);
      if (width === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) unsupported();
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += 2 + width;
      continue;
    }
    out += c;
    i++;
  }
  // The scalar goes on to the next line: folding rules, left to the full parser.
  return unsupported();
};

/** The rest of a line after a value must be blank or a comment. */
export const checkTrailing = (line: string, from: number): void => {
  for (let i = from; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 35 && i > from && line.charCodeAt(i - 1) === 32) return;
    if (c !== 32) unsupported();
  }
};

/** Characters a plain scalar may not start with (YAML indicators). */
export const indicator = /^[-?:,[\]{}#&*!|>'"%@`]/;

/** A one-line plain scalar from `line` at `start`, its comment cut off. */
export const plainText = (line: string, start: number): string => {
  let end = line.length;
  const hash = line.indexOf(' #', start);
  if (hash !== -1) end = hash;
  const text = line.slice(start, end).trimEnd();
  if (text.includes(': ') || text.endsWith(':') || text.includes('\t')) unsupported();
  // `-`, `?` and `:` start a plain scalar when a non-space follows (`-5`, `:x`); other
  // indicators never do.
  if (indicator.test(text) && !/^[-?:][^\s]/.test(text)) unsupported();
  return text;
};

export const indentOf = (line: string): number => {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i;
};

export const isBlank = (line: string): boolean => {
  const i = indentOf(line);
  return i === line.length || line.charCodeAt(i) === 35;
};

/** Where a `key:` of a block map line ends (the colon), or -1 when the line is no map entry. */
export const keyColon = (line: string, start: number): number => {
  const c = line[start];
  if (c === '"' || c === "'") {
    const [, after] = readQuoted(line, start);
    return line[after] === ':' && (after + 1 === line.length || line[after + 1] === ' ') ? after : -1;
  }
  for (let i = line.indexOf(':', start); i !== -1; i = line.indexOf(':', i + 1)) {
    const next = line.charCodeAt(i + 1);
    if (Number.isNaN(next) || next === 32) {
      const hash = line.indexOf(' #', start);
      if (hash !== -1 && hash < i) return -1;
      return i;
    }
  }
  return -1;
};

/** A `-` entry indicator at `at`: a dash followed by a space or the end of the line. */
export const isDashAt = (line: string, at: number): boolean =>
  line[at] === '-' && (at + 1 === line.length || line[at + 1] === ' ');
