/**
 * The V8 flags a controller runs with are written once, in its bin's shebang
 * (`#!/usr/bin/env -S node --max-semi-space-size=2`); the image's entrypoint takes them from
 * there so a Deployment never repeats them.
 */
export function nodeFlagsFromShebang(source: string): string[] {
  const first = source.split('\n', 1)[0] ?? '';
  const match = /^#!\S*\benv\s+(?:-S\s+)?node(?<flags>(?:\s+\S+)*)\s*$/.exec(first);
  if (!match) throw new Error(`not a node shebang: ${JSON.stringify(first)}`);
  return (match.groups?.flags ?? '')
    .trim()
    .split(/\s+/)
    .filter((flag) => flag !== '');
}
