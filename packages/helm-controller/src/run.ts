/** weft-helm-controller: flags → manager → the HelmRelease controller (loaded by bin/weft-helm-controller.js). */
import { Client, FlagError, loadKubeConfig, Manager, watchNamespace } from '@weft/runtime';
import { addHelmController } from './controller.ts';
import { type HelmControllerFlags, parseHelmControllerFlags } from './flags.ts';
import { FieldManager } from './reconciler.ts';

export async function run(argv: readonly string[]): Promise<void> {
  let flags: HelmControllerFlags;
  try {
    flags = parseHelmControllerFlags(argv);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`weft-helm-controller: ${error.message}\n`);
    process.exit(2);
  }
  const kubeConfig = loadKubeConfig(flags.runtime);
  const manager = new Manager({
    name: 'helm-controller',
    flags: flags.runtime,
    kubeConfig,
    exit: (code) => process.exit(code),
  });
  await addHelmController(manager, {
    client: new Client(kubeConfig, { fieldManager: FieldManager }),
    helmBinary: flags.helmBinary,
    kubeconfigPath: flags.runtime.kubeconfig,
    namespace: watchNamespace(flags.runtime),
    labelSelector: flags.runtime.watchLabelSelector,
    noCrossNamespaceRefs: flags.noCrossNamespaceRefs,
    defaultServiceAccount: flags.defaultServiceAccount,
    requeueDependencyMs: flags.requeueDependencyMs,
  });
  manager.handleSignals();
  await manager.start();
}
