import { createHash } from 'node:crypto';
import { isMap, type KObject } from '../model/types.ts';

// Go's encoding/json escapes these characters; the hash must see the same bytes.
const goJsonEscapes: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON as Go's json.Marshal writes a map[string]interface{}: sorted keys, HTML-safe escapes. */
export const goJson = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isMap(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${goJson(k)}:${goJson(v[k])}`).join(',')}}`;
  }
  if (typeof v === 'string')
    return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => goJsonEscapes[c] ?? c);
  if (v === undefined) return 'null';
  return JSON.stringify(v);
};

const encode = (hex: string): string =>
  hex.slice(0, 10).replace(/[013ae]/g, (c) => ({ '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' })[c] ?? c);

const field = (obj: KObject, key: string): unknown => {
  const v = obj[key];
  return v === undefined || v === null ? '' : v;
};

/** kustomize's content hash for ConfigMaps and Secrets (the -xxxxxxxxxx name suffix). */
export const contentHash = (obj: KObject): string => {
  // kustomize looks the name up under a key literally called "metadata/name", which never
  // exists, so the name always hashes as "" — reproduced so suffixes match.
  const name = '';
  let encoded: Record<string, unknown>;
  if (obj.kind === 'ConfigMap') {
    encoded = { kind: 'ConfigMap', name, data: field(obj, 'data') };
    if (isMap(obj.binaryData)) encoded.binaryData = obj.binaryData;
  } else if (obj.kind === 'Secret') {
    encoded = { kind: 'Secret', type: field(obj, 'type'), name, data: field(obj, 'data') };
    if (isMap(obj.stringData)) encoded.stringData = obj.stringData;
  } else {
    encoded = obj;
  }
  return encode(createHash('sha256').update(goJson(encoded)).digest('hex'));
};
