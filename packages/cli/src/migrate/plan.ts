/**
 * A migration of a Flux repository, planned before anything is written: per YAML file, the edits
 * and what could not be mapped; `flux-system/` directories become `weft-system/`, their
 * `gotk-*.yaml` files weft's, and `gotk-components.yaml` is replaced by weft's components.
 */
import { mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { componentNames, isComponentName, onlyComponents, weftVersion } from '@weft/install';
import { bootstrapComponents } from '../bootstrap/manifests.ts';
import { bootstrapFiles, fluxSystem, weftSystem } from './rules.ts';
import { applyEdits, type Edit, findEdits, type Unmapped } from './yaml-edits.ts';

export interface PlannedFile {
  /** Paths relative to the repository root, `/`-separated. */
  from: string;
  to: string;
  edits: Edit[];
  unmapped: Unmapped[];
  /** The new content when the file is replaced rather than edited (gotk-components.yaml). */
  replacement?: { text: string; reason: string };
}

export interface MigrationPlan {
  root: string;
  files: PlannedFile[];
}

const skipped = new Set(['.git', 'node_modules']);

async function repositoryFiles(root: string, dir = root): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (skipped.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await repositoryFiles(root, path)));
    else if (entry.isFile()) found.push(relative(root, path).split(sep).join('/'));
  }
  return found.sort();
}

/** `clusters/prod/flux-system/gotk-sync.yaml` → `clusters/prod/weft-system/weft-sync.yaml`. */
function target(path: string): string {
  const parts = path.split('/');
  const name = parts.pop() ?? '';
  const dir = parts.map((part) => (part === fluxSystem ? weftSystem : part));
  const inBootstrapDir = parts[parts.length - 1] === fluxSystem;
  return [...dir, (inBootstrapDir && bootstrapFiles.get(name)) || name].join('/');
}

/** Flux's controllers whose work a weft controller of another name does. */
const fluxComponentNames: ReadonlyMap<string, string> = new Map([
  // weft's image-automation-controller holds both halves: the reflector and the automation.
  ['image-reflector-controller', 'image-automation-controller'],
]);

/** The Flux components a gotk-components.yaml names in its `# Components:` header. */
function fluxComponents(text: string): string[] {
  const line = /^# Components: *(.+)$/m.exec(text)?.[1] ?? '';
  return line
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

function replaceComponents(text: string): { replacement: PlannedFile['replacement']; unmapped: Unmapped[] } {
  const flux = fluxComponents(text);
  const headerLine = text.slice(0, Math.max(0, text.indexOf('# Components:'))).split('\n').length;
  const weftNames = flux.map((name) => fluxComponentNames.get(name) ?? name);
  const kept =
    flux.length > 0 ? componentNames.filter((name) => weftNames.includes(name)) : [...componentNames];
  const unmapped = weftNames
    .filter((name) => !isComponentName(name))
    .map((name) => ({
      line: headerLine,
      text: name,
      reason: `weft has no ${name} yet: objects of its kinds are converted but nothing reconciles them`,
    }));
  const weftText = bootstrapComponents({
    namespace: weftSystem,
    values: onlyComponents(kept),
    components: kept,
    version: weftVersion,
  });
  return {
    replacement: {
      text: weftText,
      reason: `replaced by weft's components (${kept.join(',')}); Flux's controller settings in it are not carried over`,
    },
    unmapped,
  };
}

/** Mentions of Flux's names that no rule changed: shown, so nothing is left silently. */
function leftovers(text: string, edits: readonly Edit[], unmapped: readonly Unmapped[]): Unmapped[] {
  const lines = new Set([...edits.map((edit) => edit.line), ...unmapped.map((entry) => entry.line)]);
  const found: Unmapped[] = [];
  text.split('\n').forEach((content, index) => {
    const line = index + 1;
    if (!lines.has(line) && /toolkit\.fluxcd\.io|fluxcd\.io\//.test(content)) {
      found.push({ line, text: content.trim(), reason: 'mentions Flux and no rule maps it' });
    }
  });
  return found;
}

export async function planMigration(root: string): Promise<MigrationPlan> {
  const files: PlannedFile[] = [];
  for (const from of await repositoryFiles(root)) {
    const to = target(from);
    if (!/\.ya?ml$/.test(from)) {
      // Other files of a flux-system directory move with it, unchanged.
      if (to !== from) files.push({ from, to, edits: [], unmapped: [] });
      continue;
    }
    const text = await readFile(join(root, from), 'utf8');
    if (basename(from) === 'gotk-components.yaml' && basename(dirname(from)) === fluxSystem) {
      const { replacement, unmapped } = replaceComponents(text);
      files.push({ from, to, edits: [], unmapped, ...(replacement ? { replacement } : {}) });
      continue;
    }
    const { edits, unmapped } = findEdits(text);
    unmapped.push(...leftovers(text, edits, unmapped));
    if (edits.length > 0 || unmapped.length > 0 || to !== from) files.push({ from, to, edits, unmapped });
  }
  return { root, files };
}

export class MigrationConflict extends Error {
  override name = 'MigrationConflict';
}

/** Writes the plan: edited files in place, moved files to their new path. */
export async function applyMigration(plan: MigrationPlan): Promise<void> {
  for (const file of plan.files) {
    if (file.to === file.from) continue;
    const exists = await stat(join(plan.root, file.to)).then(
      () => true,
      () => false,
    );
    if (exists) throw new MigrationConflict(`${file.to} exists already: move it away, or migrate by hand`);
  }
  for (const file of plan.files) {
    const source = join(plan.root, file.from);
    const original = await readFile(source);
    const text =
      file.replacement?.text ??
      (file.edits.length > 0 ? applyEdits(original.toString('utf8'), file.edits) : original);
    const destination = join(plan.root, file.to);
    await mkdir(dirname(destination), { recursive: true });
    await writeFile(destination, text);
    if (file.to !== file.from) await rm(source);
  }
  // Every file of a flux-system directory moved, so it is empty now.
  const moved = plan.files.filter((file) => file.to !== file.from);
  for (const dir of new Set(moved.map((file) => dirname(join(plan.root, file.from))))) await rmdir(dir);
}
