/**
 * `weft uninstall`, in Flux's order: the controllers first (so none reacts to what follows), then
 * the finalizers on weft's objects (so deleting them prunes nothing), then the CRDs (which deletes
 * those objects), then the namespace. What the controllers applied stays where it is.
 */
import { createInterface } from 'node:readline/promises';
import { type Client, isNotFound } from '@weft/runtime/client';
import { connect, serverVersion, timeoutMs } from '../connect.ts';
import { CliError, ExitCode } from '../exit.ts';
import type { GlobalOptions } from '../global.ts';
import { deleteIfPresent, installationObjects, listIfServed, weftCrds } from '../installed.ts';
import { Output } from '../output.ts';

export interface UninstallOptions {
  keepNamespace: boolean;
  silent: boolean;
}

async function confirm(namespace: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new CliError(
      'stdin is not a terminal, so weft cannot ask: pass --silent to uninstall',
      ExitCode.Usage,
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(
      `Delete weft and its CRDs from the cluster (namespace ${namespace})? [y/N] `,
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

/** Deletes the installation's own objects; returns how many. */
async function deleteComponents(client: Client, namespace: string): Promise<number> {
  const objects = await installationObjects(client, namespace);
  for (const ref of objects) await deleteIfPresent(client, ref);
  return objects.length;
}

export async function uninstall(global: GlobalOptions, options: UninstallOptions): Promise<void> {
  const output = new Output();
  const client = connect(global);
  await serverVersion(client);
  if (!options.silent && !(await confirm(global.namespace))) {
    throw new CliError('uninstall cancelled', ExitCode.Cancelled);
  }
  output.step('deleting the controllers');
  output.ok(`deleted ${await deleteComponents(client, global.namespace)} objects`);

  output.step('removing finalizers from weft objects');
  const crds = await weftCrds(client);
  let released = 0;
  for (const crd of crds) {
    const spec = crd.spec as {
      group: string;
      names: { kind: string };
      versions: Array<{ name: string; storage: boolean }>;
    };
    const version = spec.versions.find((v) => v.storage)?.name ?? spec.versions[0]?.name ?? 'v1';
    const apiVersion = `${spec.group}/${version}`;
    for (const item of await listIfServed(client, { apiVersion, kind: spec.names.kind })) {
      if (!item.metadata.finalizers?.length) continue;
      const ref = {
        apiVersion,
        kind: spec.names.kind,
        namespace: item.metadata.namespace,
        name: item.metadata.name ?? '',
      };
      await client.patch(ref, { metadata: { finalizers: null } }).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
      released++;
    }
  }
  output.ok(`removed finalizers from ${released} objects`);

  output.step('deleting the CRDs');
  for (const crd of crds) {
    await deleteIfPresent(client, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      name: crd.metadata.name ?? '',
    });
  }
  // A CRD goes once the API server has deleted its objects: wait, so "finished" means gone.
  const deadline = Date.now() + timeoutMs(global);
  while ((await weftCrds(client)).length > 0) {
    if (Date.now() > deadline)
      throw new CliError('the CRDs are still being deleted after --timeout', ExitCode.Failed);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  output.ok(`deleted ${crds.length} CRDs`);

  if (!options.keepNamespace) {
    await deleteIfPresent(client, { apiVersion: 'v1', kind: 'Namespace', name: global.namespace });
    output.ok(`deleted namespace ${global.namespace}`);
  }
  output.ok('uninstall finished');
}
