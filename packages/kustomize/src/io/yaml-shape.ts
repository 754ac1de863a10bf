// Cheap looks at a YAML text before the `yaml` package parses it. Its parser needs ~15 µs and a
// few KB per nesting level before it gives up on a deep document (a 200 KB `[[[[…` costs
// seconds and hundreds of MB), and it parses every document of a file at once (100,000 small
// documents: 15 s, 500 MB). Both are caught here in one pass over the characters.

const SPACE = 32;
const NEWLINE = 10;

const isBreak = (c: number): boolean => c === NEWLINE || c === 13 || Number.isNaN(c);
const isBlank = (c: number): boolean => c === SPACE || c === 9 || isBreak(c);

/** Documents in `text`: one, plus one per `---` line after content (an upper bound). */
export const countDocumentMarkers = (text: string): number => {
  let count = 0;
  for (let at = text.indexOf('---'); at !== -1; at = text.indexOf('---', at + 3)) {
    if ((at === 0 || text.charCodeAt(at - 1) === NEWLINE) && isBlank(text.charCodeAt(at + 3))) count++;
  }
  return count + 1;
};

/** Skips a quoted scalar starting at `i` (a quote); returns the index after its closing quote. */
const skipQuoted = (text: string, i: number): number => {
  const quote = text.charCodeAt(i);
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (quote === 34 && c === 92) j++;
    else if (c === quote) {
      if (quote === 39 && text.charCodeAt(j + 1) === 39) j++;
      else return j + 1;
    }
  }
  return text.length;
};

/**
 * An upper bound of how deeply the maps and lists of `text` nest: block indentation levels,
 * `- `/`? ` entries (two levels each: the sequence and its item), and open flow collections.
 * Block scalars are skipped and quotes respected, so it is not lower than the depth the parser
 * will build; it counts a level or two high where sequences are indented under their key.
 */
export const nestingBound = (text: string): number => {
  const n = text.length;
  const indents: number[] = [];
  let flow = 0;
  let max = 0;
  // Lines indented more than this belong to a block scalar (`|`, `>`) and are not YAML nodes.
  let scalarIndent = -1;
  let i = 0;
  while (i < n) {
    const lineStart = i;
    let indent = 0;
    while (text.charCodeAt(i) === SPACE) {
      indent++;
      i++;
    }
    const first = text.charCodeAt(i);
    if (scalarIndent >= 0) {
      if (isBreak(first) || indent > scalarIndent) {
        while (i < n && text.charCodeAt(i) !== NEWLINE) i++;
        i++;
        continue;
      }
      scalarIndent = -1;
    }
    if (flow === 0) {
      if (isBreak(first) || first === 35 /* # */) {
        while (i < n && text.charCodeAt(i) !== NEWLINE) i++;
        i++;
        continue;
      }
      while (indents.length > 0 && (indents.at(-1) as number) >= indent) indents.pop();
      indents.push(indent);
    }
    let depth = indents.length;
    let nodeStart = true;
    let lastIndicator = -1;
    let lastContent = 0;
    // Column where the current mapping key starts: a `key: |` scalar's lines are indented past it.
    let keyColumn = indent;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === NEWLINE) break;
      const prevBlank = i === 0 || isBlank(text.charCodeAt(i - 1));
      if (c === 35 && prevBlank) {
        while (i < n && text.charCodeAt(i) !== NEWLINE) i++;
        break;
      }
      if (flow > 0) {
        if (c === 34 || c === 39) {
          i = skipQuoted(text, i);
          continue;
        }
        if (c === 91 || c === 123) flow++;
        else if (c === 93 || c === 125) flow--;
        if (depth + flow > max) max = depth + flow;
        i++;
        continue;
      }
      if ((c === 91 || c === 123) && nodeStart) {
        flow = 1;
        if (depth + flow > max) max = depth + flow;
      } else if (
        (c === 45 || c === 63 || c === 58) &&
        isBlank(text.charCodeAt(i + 1)) &&
        (nodeStart || c === 58)
      ) {
        // A sequence entry opens two levels (the sequence and its item) that lines indented
        // under the entry's content stay inside.
        if (c !== 58) {
          indents.push(i - lineStart, i - lineStart + 1);
          depth += 2;
        }
        nodeStart = true;
        lastIndicator = i;
      } else if ((c === 34 || c === 39) && nodeStart) {
        if (lastIndicator < 0 || text.charCodeAt(lastIndicator) !== 58) keyColumn = i - lineStart;
        i = skipQuoted(text, i);
        nodeStart = false;
        lastContent = i;
        continue;
      } else if (c !== SPACE && c !== 9) {
        if (nodeStart && (lastIndicator < 0 || text.charCodeAt(lastIndicator) !== 58))
          keyColumn = i - lineStart;
        nodeStart = false;
        lastContent = i;
      }
      i++;
    }
    if (depth > max) max = depth;
    // A block scalar header (`key: |`, `- >-`) ends the line: its content lines follow.
    if (flow === 0 && lastIndicator >= 0) {
      const header = text.slice(lastIndicator + 1, lastContent + 1).trim();
      if (/^[|>][-+0-9]*$/.test(header))
        scalarIndent = text.charCodeAt(lastIndicator) === 58 ? keyColumn : lastIndicator - lineStart;
    }
    i++;
  }
  return max;
};
