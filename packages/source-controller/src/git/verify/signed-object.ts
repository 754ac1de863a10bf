/**
 * Where the signature sits in a raw Git object, and which bytes it signs. A commit carries it in
 * a `gpgsig` header (continued on lines that start with a space) and signs the object without
 * that header; a tag carries it at the end of its message and signs everything before it.
 */

export interface SignedPayload {
  /** The bytes the signature is over. */
  payload: Buffer;
  /** The armored signature (`-----BEGIN PGP SIGNATURE-----` or `-----BEGIN SSH SIGNATURE-----`). */
  signature: string | undefined;
}

const signatureHeaders = new Set(['gpgsig', 'gpgsig-sha256']);
const armorStarts = ['-----BEGIN PGP SIGNATURE-----', '-----BEGIN SSH SIGNATURE-----'];

/** Splits a raw commit object (without the `commit <size>\0` prefix) into payload and signature. */
export function splitCommit(raw: Buffer): SignedPayload {
  const headerEnd = raw.indexOf('\n\n');
  const headers = headerEnd === -1 ? raw : raw.subarray(0, headerEnd + 1);
  const kept: Buffer[] = [];
  let signature: string[] | undefined;
  let inSignature = false;
  let skipping = false;
  let start = 0;
  while (start < headers.length) {
    const newline = headers.indexOf('\n', start);
    const end = newline === -1 ? headers.length : newline + 1;
    const line = headers.subarray(start, end);
    start = end;
    const text = line.toString('utf8');
    if ((inSignature || skipping) && text.startsWith(' ')) {
      if (inSignature) signature?.push(text.slice(1).replace(/\n$/, ''));
      continue;
    }
    inSignature = false;
    const name = text.slice(0, text.indexOf(' '));
    // git signs the object without any signature header (a repository may carry both).
    if (signatureHeaders.has(name)) {
      inSignature = signature === undefined;
      if (inSignature) signature = [text.slice(name.length + 1).replace(/\n$/, '')];
      else skipping = true;
      continue;
    }
    skipping = false;
    kept.push(line);
  }
  if (headerEnd !== -1) kept.push(raw.subarray(headerEnd + 1));
  return { payload: Buffer.concat(kept), signature: signature?.join('\n') };
}

/** Splits a raw tag object into payload and signature (the last armored block of the message). */
export function splitTag(raw: Buffer): SignedPayload {
  const text = raw.toString('latin1');
  let at = -1;
  for (const armor of armorStarts) {
    const found = text.lastIndexOf(`\n${armor}`);
    if (found > at) at = found;
  }
  if (at === -1) return { payload: raw, signature: undefined };
  return { payload: raw.subarray(0, at + 1), signature: raw.subarray(at + 1).toString('utf8') };
}
