// Derives kustomize's builtin field specs (where names, labels, namespaces, images… live in
// each kind) from the reference implementation's data constants in the Go module cache, so the
// lists match kustomize v5 exactly and are never typed by hand.
// Usage: node scripts/generate-field-specs.ts [path/to/kustomize/api/internal/konfig/builtinpluginconsts]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const defaultDir = '/root/go/pkg/mod/sigs.k8s.io/kustomize/api@v0.21.2/internal/konfig/builtinpluginconsts';
const dir = process.argv[2] ?? defaultDir;
const outPath = path.join(import.meta.dirname, '../src/config/field-specs.generated.json');

// Each Go file declares `name = \`yaml\` + otherName + …`; resolve those concatenations.
const parts = new Map<string, (string | { ref: string })[]>();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'))) {
  const source = readFileSync(path.join(dir, file), 'utf8');
  const decl = /(\w+)\s*=\s*((?:`[^`]*`|\w+)(?:\s*\+\s*(?:`[^`]*`|\w+))*)/g;
  for (const m of source.matchAll(decl)) {
    const [, name, expr] = m;
    if (!name || !expr?.includes('`')) continue;
    const items: (string | { ref: string })[] = [];
    for (const piece of expr.matchAll(/`([^`]*)`|(\w+)/g)) {
      if (piece[1] !== undefined) items.push(piece[1]);
      else if (piece[2]) items.push({ ref: piece[2] });
    }
    parts.set(name, items);
  }
}
const resolve = (name: string): string =>
  (parts.get(name) ?? []).map((p) => (typeof p === 'string' ? p : resolve(p.ref))).join('');
const all: Record<string, unknown> = {};
for (const name of parts.keys()) {
  if (!name.endsWith('FieldSpecs')) continue;
  const parsed: unknown = parse(resolve(name));
  // Fragments shared by several lists parse to arrays; only the named lists are wanted.
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(all, parsed);
}
writeFileSync(outPath, `${JSON.stringify(all)}\n`);
console.log(`wrote ${outPath}: ${Object.keys(all).join(', ')}`);
