/** Parsing of commit and tree objects (gitformat-objects). */

export interface TreeEntry {
  /** `100644`, `100755`, `120000`, `40000` (tree) or `160000` (submodule). */
  mode: string;
  name: string;
  oid: string;
}

export class ObjectFormatError extends Error {}

/** The id of a commit's root tree. */
export function commitTree(data: Buffer): string {
  const match = /^tree ([0-9a-f]{40})\n/.exec(data.toString('latin1', 0, 46));
  if (!match?.[1]) throw new ObjectFormatError('commit without a tree line');
  return match[1];
}

/**
 * The entries of a tree object. A name that could leave the directory it is written into
 * (empty, `.`, `..`, or holding `/` or NUL) is refused: git's fsck refuses such trees too.
 */
export function parseTree(data: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let position = 0;
  while (position < data.length) {
    const space = data.indexOf(0x20, position);
    const nul = space < 0 ? -1 : data.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > data.length) throw new ObjectFormatError('truncated tree entry');
    const mode = data.toString('latin1', position, space);
    const name = data.toString('utf8', space + 1, nul);
    if (name === '' || name === '.' || name === '..' || name.includes('/')) {
      throw new ObjectFormatError(`tree entry with an unsafe name ${JSON.stringify(name)}`);
    }
    entries.push({ mode, name, oid: data.toString('hex', nul + 1, nul + 21) });
    position = nul + 21;
  }
  return entries;
}
