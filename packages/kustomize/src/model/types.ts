/** A Kubernetes object as plain data (what `build` returns). */
export type KObject = Record<string, unknown>;

export const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const deepCopy = <T>(v: T): T => structuredClone(v);

export const getPath = (obj: unknown, path: readonly string[]): unknown => {
  let cur: unknown = obj;
  for (const p of path) {
    if (!isMap(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
};

export const stringMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (isMap(v))
    for (const [k, val] of Object.entries(v)) out[k] = val === null || val === undefined ? '' : String(val);
  return out;
};
