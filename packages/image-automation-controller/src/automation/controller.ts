/**
 * Adds the ImageUpdateAutomation controller to a runtime Manager. It reads from the manager's
 * cache:
 *
 * - ImageUpdateAutomations (its own informer, in the watched namespace and shard);
 * - ImagePolicies: the reconciler reads their `status.latestRef` from the cache, and a policy
 *   whose `latestRef` (or labels) change reconciles at once the automations of its namespace
 *   whose `policySelector` picks it, so a new image is committed without waiting for the interval.
 *
 * GitRepositories and Secrets are read with a GET at each run (the cache holds no Secret).
 */
import { ImageApiVersion, ImagePolicyKind, ImageUpdateAutomationKind } from '@weft/api';
import { cacheKind } from '@weft/runtime/cache';
import { type Client, matchesLabelSelector } from '@weft/runtime/client';
import type { Informer } from '@weft/runtime/informer';
import { type Manager, watchNamespace } from '@weft/runtime/manager';
import type { Controller } from '@weft/runtime/reconcile';
import { type AutomationObject, ImageUpdateAutomationReconciler, type PolicyObject } from './reconciler.ts';

export interface AutomationOptions {
  /** The controller's client; default the manager's. */
  client?: Client;
  /** Where checkouts are made; default the system temporary directory (`/tmp` in the image). */
  workDir?: string;
  /** Pushes tried when the branch keeps moving, before the run fails; default 5. */
  pushAttempts?: number;
  /** Checkouts kept between runs (one per repository URL and branch); default 32. */
  maxCheckouts?: number;
  /** `--no-cross-namespace-refs`: refuse a spec.sourceRef in another namespace. */
  noCrossNamespaceRefs?: boolean;
}

export interface AutomationController {
  controller: Controller<AutomationObject>;
  informer: Informer<AutomationObject>;
  reconciler: ImageUpdateAutomationReconciler;
}

export const FieldManager = 'image-automation-controller';

const automations = cacheKind<AutomationObject>(ImageApiVersion, ImageUpdateAutomationKind);
const policies = cacheKind<PolicyObject>(ImageApiVersion, ImagePolicyKind);

/** What an automation reads of a policy: a change of it is worth a run. */
const policyFingerprint = (policy: PolicyObject | undefined) =>
  policy === undefined
    ? ''
    : JSON.stringify([policy.status?.latestRef ?? null, policy.metadata.labels ?? {}]);

export function addAutomation(manager: Manager, options: AutomationOptions = {}): AutomationController {
  const client = (options.client ?? manager.client(FieldManager)).withFieldManager(FieldManager);
  const namespace = watchNamespace(manager.flags);
  const informer = manager.cache.informer(automations, {
    namespace,
    labelSelector: manager.flags.watchLabelSelector,
  });
  const policyInformer = manager.cache.informer(policies, { namespace });
  const reconciler = new ImageUpdateAutomationReconciler({
    client,
    listPolicies: (policyNamespace) => manager.cache.list(policies, policyNamespace),
    ...(options.workDir === undefined ? {} : { workDir: options.workDir }),
    ...(options.pushAttempts === undefined ? {} : { pushAttempts: options.pushAttempts }),
    ...(options.maxCheckouts === undefined ? {} : { maxCheckouts: options.maxCheckouts }),
    ...(options.noCrossNamespaceRefs === undefined
      ? {}
      : { noCrossNamespaceRefs: options.noCrossNamespaceRefs }),
  });
  const controller = manager.addController<AutomationObject>({
    name: 'imageupdateautomation',
    reconciler,
    informer,
    client,
  });
  controller.watches(policyInformer, (policy, oldPolicy) => {
    if (oldPolicy !== undefined && policyFingerprint(oldPolicy) === policyFingerprint(policy)) return [];
    const policyNamespace = policy.metadata.namespace ?? '';
    return manager.cache
      .list(automations, policyNamespace)
      .filter((automation) => matchesLabelSelector(automation.spec.policySelector, policy.metadata.labels))
      .map((automation) => `${policyNamespace}/${automation.metadata.name}`);
  });
  return { controller, informer, reconciler };
}
