import { createRequire } from 'node:module';

// The `yaml` package is loaded on first use: a build of plain manifests never needs it (the fast
// reader and the emitter do the work), and loading it costs a short-lived command ~12 MiB of
// compiled code and part of its start-up.
const require = createRequire(import.meta.url);
let loaded: typeof import('yaml') | undefined;

export const yamlPackage = (): typeof import('yaml') => {
  loaded ??= require('yaml') as typeof import('yaml');
  return loaded;
};
