/** A `WWW-Authenticate` challenge: its scheme (`Bearer`, `Basic`) and parameters (realm, service, scope). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses the first challenge of a `WWW-Authenticate` header (RFC 7235 auth-params, quoted or not).
 * Registries send one; a second one, if any, is ignored.
 */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*(.*)$/s.exec(header);
  if (!match?.[1]) return undefined;
  const params: Record<string, string> = {};
  const paramPattern = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/gy;
  const rest = match[2] ?? '';
  paramPattern.lastIndex = 0;
  for (;;) {
    const start = paramPattern.lastIndex;
    const param = paramPattern.exec(rest);
    if (!param?.[1]) {
      if (start < rest.length && Object.keys(params).length === 0) return { scheme: match[1], params };
      break;
    }
    params[param[1].toLowerCase()] =
      param[2] === undefined ? (param[3] ?? '') : param[2].replace(/\\(.)/g, '$1');
    while (rest[paramPattern.lastIndex] === ' ') paramPattern.lastIndex++;
    if (paramPattern.lastIndex >= rest.length) break;
  }
  return { scheme: match[1], params };
}

/** The `next` URL of an RFC 8288 `Link` header, as registries paginate tag lists. */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match?.[1] && /(?:^|;)\s*rel\s*=\s*"?next"?\s*(?:;|$)/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}
