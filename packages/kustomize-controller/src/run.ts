/** weft-kustomize-controller: flags → manager → the Kustomization controller (loaded by bin/weft-kustomize-controller.js). */
import { Client } from '@weft/runtime/client';
import { loadKubeConfig, Manager, watchNamespace } from '@weft/runtime/manager';
import { addKustomizeController } from './controller.ts';
import { parseKustomizeControllerFlags } from './flags.ts';
import { FieldManager } from './reconciler.ts';

export async function run(argv: readonly string[]): Promise<void> {
  const flags = parseKustomizeControllerFlags(argv);
  const kubeConfig = loadKubeConfig(flags.runtime);
  const manager = new Manager({
    name: 'kustomize-controller',
    flags: flags.runtime,
    kubeConfig,
    exit: (code) => process.exit(code),
  });
  addKustomizeController({
    manager,
    client: new Client(kubeConfig, { fieldManager: FieldManager }),
    namespace: watchNamespace(flags.runtime),
    labelSelector: flags.runtime.watchLabelSelector,
    noCrossNamespaceRefs: flags.noCrossNamespaceRefs,
    defaultServiceAccount: flags.defaultServiceAccount,
    strictSubstitution: flags.strictSubstitution,
    requeueDependencyMs: flags.requeueDependencyMs,
  });
  manager.handleSignals();
  await manager.start();
}
