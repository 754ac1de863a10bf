/**
 * Maps a request target to the segments of a file below the storage root, or says why not.
 * Anything that could name a file outside the root (`..`, encoded `%2e%2e` or `%2f`,
 * backslashes, NUL, empty segments), a hidden file (temp files are hidden) or anything but a
 * `.tar.gz` file is refused before the filesystem is touched.
 */
export type RequestPath = { segments: string[] } | { status: 400 | 404 };

export function parseRequestPath(target: string): RequestPath {
  const rawPath = target.split('?', 1)[0] ?? '';
  if (!rawPath.startsWith('/')) return { status: 400 };
  const segments: string[] = [];
  for (const rawSegment of rawPath.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(rawSegment);
    } catch {
      return { status: 400 };
    }
    if (segment === '' || segment === '.' || segment === '..') return { status: 404 };
    if (segment.includes('/') || segment.includes('\\') || segment.includes('\0')) return { status: 404 };
    if (segment.startsWith('.')) return { status: 404 };
    segments.push(segment);
  }
  const fileName = segments.at(-1);
  if (fileName === undefined || !fileName.endsWith('.tar.gz')) return { status: 404 };
  return { segments };
}
