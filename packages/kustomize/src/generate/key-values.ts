import path from 'node:path';
import { KustomizeError } from '../errors.ts';
import type { Loader } from '../io/loader.ts';
import type { GeneratorArgs } from '../kustomization/types.ts';

export type Pair = { key: string; value: string; binary?: Buffer };

const removeQuotes = (s: string): string =>
  s.length >= 2 && s[0] === s[s.length - 1] && (s[0] === '"' || s[0] === "'") ? s.slice(1, -1) : s;

const envVarName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

const fromEnvFile = (text: string, file: string): Pair[] => {
  const pairs: Pair[] = [];
  text.split('\n').forEach((raw, i) => {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (i === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    line = line.trimStart();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq === -1 ? line : line.slice(0, eq);
    if (!envVarName.test(key))
      throw new KustomizeError(`line ${i + 1}: '${key}' is not a valid environment variable name`, file);
    pairs.push({ key, value: eq === -1 ? '' : line.slice(eq + 1) });
  });
  return pairs;
};

/** The key/value pairs of a generator, in kustomize's order: env files, literals, then files. */
export const loadPairs = (loader: Loader, args: GeneratorArgs, kustFile: string): Pair[] => {
  const pairs: Pair[] = [];
  for (const env of args.envs ?? []) {
    const { path: file, text } = loader.readFile(env, 'env file');
    pairs.push(...fromEnvFile(text, file));
  }
  for (const lit of args.literals ?? []) {
    const eq = lit.indexOf('=');
    if (eq <= 0)
      throw new KustomizeError(
        `generator '${args.name}': invalid literal '${lit}', expected key=value`,
        kustFile,
      );
    pairs.push({ key: lit.slice(0, eq), value: removeQuotes(lit.slice(eq + 1)) });
  }
  for (const source of args.files ?? []) {
    const parts = source.split('=');
    if (parts.length > 2 || parts[0] === '' || parts[1] === '') {
      throw new KustomizeError(
        `generator '${args.name}': invalid file source '${source}', expected [key=]path`,
        kustFile,
      );
    }
    const [key, file] =
      parts.length === 2 ? (parts as [string, string]) : [path.posix.basename(source), source];
    const { path: real } = loader.readFile(file, 'generator file');
    const bytes = loader.readBytes(real);
    const value = bytes.toString('utf8');
    const pair: Pair = { key, value };
    if (!Buffer.from(value, 'utf8').equals(bytes)) pair.binary = bytes;
    pairs.push(pair);
  }
  const seen = new Set<string>();
  for (const p of pairs) {
    if (seen.has(p.key))
      throw new KustomizeError(`generator '${args.name}' illegally repeats the key '${p.key}'`, kustFile);
    seen.add(p.key);
  }
  return pairs;
};
