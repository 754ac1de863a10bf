/**
 * Regular expressions users give (exclusionList, filterTags) run on RE2 (`re2js`), as Flux's do on
 * Go's regexp: the same syntax (`(?P<name>…)`, `(?i)`, `\z`) and linear time, so no pattern one
 * tenant writes can stall the controller's event loop by backtracking.
 */
import { RE2JS } from 're2js';

/** A compiled pattern: `find` matches anywhere in the text, as Go's `MatchString`. */
export interface Pattern {
  test(text: string): boolean;
  /** The groups of the first match (numbers and names), or undefined without a match. */
  exec(text: string): ((group: string) => string | undefined) | undefined;
}

/** Patterns compiled lately: every reconcile compiles its object's list, and most lists are one default. */
const compiledPatterns = new Map<string, Pattern>();
const compiledPatternsKept = 256;

/** Compiles `pattern` (or finds it compiled); throws an Error whose message says why it is not valid. */
export function compileRegexp(pattern: string): Pattern {
  const known = compiledPatterns.get(pattern);
  if (known) return known;
  const compiledPattern = compile(pattern);
  if (compiledPatterns.size >= compiledPatternsKept) {
    const oldest = compiledPatterns.keys().next();
    if (!oldest.done) compiledPatterns.delete(oldest.value);
  }
  compiledPatterns.set(pattern, compiledPattern);
  return compiledPattern;
}

/** A Pattern holds no match state (exec makes a Matcher per call), so one serves every caller. */
function compile(pattern: string): Pattern {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    throw new Error(`"${pattern}" is not a valid regular expression: ${(error as Error).message}`);
  }
  const names = compiled.namedGroups();
  const count = compiled.groupCount();
  return {
    // test(): the DFA path, no Matcher object (the exclusion list runs it on every tag of every scan).
    test: (text) => compiled.test(text),
    exec: (text) => {
      const matcher = compiled.matcher(text);
      if (!matcher.find()) return undefined;
      return (group) => {
        if (/^\d+$/.test(group))
          return Number(group) <= count ? (matcher.group(Number(group)) ?? undefined) : undefined;
        return names[group] === undefined ? undefined : (matcher.group(group) ?? undefined);
      };
    },
  };
}

/**
 * Go's `Regexp.Expand` template: `$name`, `${name}` and `$1` are replaced by the group (empty
 * when it did not take part or does not exist), `$$` is a dollar.
 */
export function expandTemplate(template: string, group: (name: string) => string | undefined): string {
  return template.replace(/\$(?:\$|\{(\w+)\}|(\w+))/g, (whole, braced?: string, bare?: string) =>
    whole === '$$' ? '$' : (group(braced ?? bare ?? '') ?? ''),
  );
}
