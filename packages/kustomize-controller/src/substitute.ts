/**
 * Post-build variable substitution, as Flux's `postBuild`: bash-style `${var}`,
 * `${var:=default}` and `${var:-default}` (default when unset or empty), `${var=default}` and
 * `${var-default}` (default only when unset), `$${var}` for a literal `${var}`. Only the braced
 * form is recognised: `$var` is left alone, as in Flux. An unset variable without a default
 * becomes an empty string, or an error in strict mode.
 *
 * Values may come from Secrets: they are never put into an error message or a log line.
 */
import { Annotation, AnnotationValue } from '@weft/api';
import { parse, stringify } from 'yaml';

const varName = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

export class SubstituteError extends Error {
  override name = 'SubstituteError';
}

export interface SubstituteOptions {
  /** Unset variables without a default are errors (Flux's StrictPostBuildSubstitutions). */
  strict?: boolean;
}

/** Checks variable names (Flux refuses names that are not shell identifiers). */
export function checkVariableNames(vars: Record<string, string>, from: string): void {
  for (const name of Object.keys(vars)) {
    if (!varName.test(name)) {
      throw new SubstituteError(
        `'${name}' from ${from} is not a valid variable name: it must match ${varName.source}`,
      );
    }
  }
}

/** Index of the `}` closing the `${` that starts at `open`, honouring nested `${…}`. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

const expression = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-=])([\s\S]*))?$/;

/** Substitutes variables in a string. */
export function substituteText(
  text: string,
  vars: Record<string, string>,
  options: SubstituteOptions = {},
): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) break;
    out += text.slice(i, dollar);
    if (text.startsWith('$${', dollar)) {
      // Escaped: `$${x}` is the literal `${x}`.
      const end = closingBrace(text, dollar + 1);
      const stop = end < 0 ? text.length : end + 1;
      out += text.slice(dollar + 1, stop);
      i = stop;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const end = closingBrace(text, dollar);
    if (end < 0) {
      out += text.slice(dollar);
      i = text.length;
      break;
    }
    const inner = text.slice(dollar + 2, end);
    const match = expression.exec(inner);
    if (!match) {
      // Not something we substitute (`${1}`, `${ x }`, `${x^^}`): keep it as written.
      out += text.slice(dollar, end + 1);
      i = end + 1;
      continue;
    }
    const [, name = '', operator, fallback = ''] = match;
    const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
    if (operator === undefined) {
      if (value === undefined && options.strict)
        throw new SubstituteError(`variable not set (strict mode): ${name}`);
      out += value ?? '';
    } else {
      const useDefault = operator.startsWith(':') ? value === undefined || value === '' : value === undefined;
      out += useDefault ? substituteText(fallback, vars, options) : (value ?? '');
    }
    i = end + 1;
  }
  return out + text.slice(i);
}

type Obj = Record<string, unknown>;

function describeObj(obj: Obj): string {
  const metadata = (obj.metadata ?? {}) as Obj;
  const ns = typeof metadata.namespace === 'string' ? `${metadata.namespace}/` : '';
  return `${String(obj.kind)}/${ns}${String(metadata.name)}`;
}

const yamlOptions = { version: '1.1', lineWidth: 0 } as const;

/** A scalar in the context it has in the object: a map's value (`k: …`) or a list item (`- …`). */
type Context = 'value' | 'item';

const plainness = new Map<string, boolean>();

/** Does the YAML of the object hold `text` as written (a plain scalar, no quotes, one line)? */
function writtenPlain(text: string, context: Context): boolean {
  const key = `${context}\u0000${text}`;
  let plain = plainness.get(key);
  if (plain === undefined) {
    plain =
      context === 'value'
        ? stringify({ k: text }, yamlOptions) === `k: ${text}\n`
        : stringify([text], yamlOptions) === `- ${text}\n`;
    // Bounded: the texts are the manifests' strings, the same on every reconcile.
    if (plainness.size > 10_000) plainness.clear();
    plainness.set(key, plain);
  }
  return plain;
}

const unsure = Symbol('unsure');

/**
 * What the YAML round trip makes of a substituted plain scalar: parsed in its own context.
 * Remembered for one substitution of a set (`seen`; a scalar or `unsure`, never an object): an
 * app's value such as `podinfo-7` is in a dozen of its strings. Not kept past the set: values
 * may come from Secrets.
 */
function reparse(text: string, context: Context, seen: Map<string, unknown>): unknown {
  const key = `${context}\u0000${text}`;
  if (seen.has(key)) return seen.get(key);
  const value = parseScalar(text, context);
  seen.set(key, value);
  return value;
}

function parseScalar(text: string, context: Context): unknown {
  if (text.includes('\n') || text.includes('\r')) return unsure;
  let doc: unknown;
  try {
    doc = parse(context === 'value' ? `k: ${text}` : `- ${text}`, { version: '1.1', prettyErrors: false });
  } catch {
    return unsure;
  }
  const value = context === 'value' ? (doc as Obj | null)?.k : (doc as unknown[] | null)?.[0];
  const scalar = value === null || ['string', 'number', 'boolean'].includes(typeof value);
  return scalar ? value : unsure;
}

/**
 * The substituted tree, string by string, when that is exactly what substituting the object's
 * YAML text gives: every string holding `${` is a plain scalar of its own (so its text in the
 * YAML is the string itself) and the substituted text reads back as one scalar. Otherwise (a key
 * with `${`, a quoted or multi-line string, a value that would turn into YAML structure)
 * `unsure`, and the caller takes the text path.
 */
function substituteTree(
  value: unknown,
  vars: Record<string, string>,
  options: SubstituteOptions,
  context: Context,
  seen: Map<string, unknown>,
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('$')) return value;
    const substituted = substituteText(value, vars, options);
    if (substituted === value) return value;
    if (!writtenPlain(value, context)) return unsure;
    return reparse(substituted, context, seen);
  }
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = substituteTree(value[i], vars, options, 'item', seen);
      if (item === unsure) return unsure;
      out[i] = item;
    }
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Obj = {};
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('$')) return unsure;
      const substituted = substituteTree(item, vars, options, 'value', seen);
      if (substituted === unsure) return unsure;
      out[key] = substituted;
    }
    return out;
  }
  return value;
}

/**
 * Substitutes variables in every object (through its YAML, as Flux does, so `replicas: ${n}`
 * becomes a number), except objects annotated `kustomize.weft.dev/substitute: disabled`. Most
 * objects take a shortcut with the same result (substituteTree): only their strings that hold
 * `${` are substituted and read back, instead of writing and parsing the whole object.
 */
export function substituteObjects<T extends Obj>(
  objects: T[],
  vars: Record<string, string>,
  options: SubstituteOptions = {},
): T[] {
  const seen = new Map<string, unknown>();
  return objects.map((obj) => {
    const annotations = ((obj.metadata ?? {}) as Obj).annotations as Record<string, string> | undefined;
    if (annotations?.[Annotation.KustomizeSubstitute] === AnnotationValue.Disabled) return obj;
    let shortcut: unknown;
    try {
      shortcut = substituteTree(obj, vars, options, 'value', seen);
    } catch (error) {
      throw new SubstituteError(`${describeObj(obj)}: ${(error as Error).message}`);
    }
    if (shortcut !== unsure) return shortcut as T;
    // YAML 1.1 both ways: strings such as "on" stay quoted, as Kubernetes reads YAML 1.1.
    const text = stringify(obj, yamlOptions);
    if (!text.includes('${')) return obj;
    let substituted: string;
    try {
      substituted = substituteText(text, vars, options);
    } catch (error) {
      throw new SubstituteError(`${describeObj(obj)}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = parse(substituted, { version: '1.1', prettyErrors: false });
    } catch (error) {
      // The YAML error quotes the text, which may hold a Secret's value: name the object only.
      const code = (error as { code?: unknown }).code;
      throw new SubstituteError(
        `${describeObj(obj)}: the object is not valid YAML after variable substitution (${String(code ?? 'parse error')})`,
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SubstituteError(`${describeObj(obj)}: the object is not a map after variable substitution`);
    }
    return parsed as T;
  });
}
