import { KustomizeError } from '../errors.ts';
import type { Loader } from '../io/loader.ts';
import { parseYamlDocuments } from '../io/yaml.ts';
import type { Kustomization } from '../kustomization/types.ts';
import { isMap, type KObject } from '../model/types.ts';

/**
 * Reads the entries of `generators`/`transformers`: inline YAML, a file, or a kustomization
 * directory whose output is the configs. Only kustomize's builtin plugins are accepted;
 * anything that would run a program is refused.
 */
export const loadPluginConfigs = (
  loader: Loader,
  entries: readonly string[],
  field: 'generators' | 'transformers',
  buildDir: (loader: Loader) => KObject[],
  kustFile: string,
): { config: KObject; source: string }[] => {
  const out: { config: KObject; source: string }[] = [];
  for (const entry of entries) {
    let configs: unknown[];
    let source = kustFile;
    if (entry.includes('\n') || /^\s*(apiVersion|kind):/m.test(entry)) {
      configs = parseYamlDocuments(entry, kustFile);
    } else if (loader.isFile(entry)) {
      const f = loader.readFile(entry, `${field} config`);
      source = f.path;
      configs = parseYamlDocuments(f.text, f.path);
    } else {
      const child = loader.child(entry, `${field} directory`);
      source = child.dir;
      configs = buildDir(child);
    }
    for (const c of configs) {
      if (!isMap(c)) throw new KustomizeError(`each ${field} config must be a mapping`, source);
      const apiVersion = String(c.apiVersion ?? '');
      const kind = String(c.kind ?? '');
      if (apiVersion !== 'builtin' || (isMap(c.spec) && 'exec' in c.spec)) {
        throw new KustomizeError(
          `${field}: plugin ${apiVersion}/${kind} is not supported: weft-kustomize runs only builtin plugins (apiVersion: builtin), never exec, Go or container plugins`,
          source,
        );
      }
      out.push({ config: c, source });
    }
  }
  return out;
};

export type { Kustomization };
