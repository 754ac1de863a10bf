/**
 * Adds the ImageUpdateAutomation controller to a runtime Manager. It reads from the manager's
 * cache:
 *
 * - ImageUpdateAutomations (its own informer, in the watched namespace and shard);
 * - ImagePolicies (in the same namespace and shard, so the informer the reflector half uses): a
 *   policy whose `latestRef` (or labels) change reconciles at once the automations of its
 *   namespace whose `policySelector` picks it, so a new image is committed without waiting for
 *   the interval. The reconciler reads the policies from that same informer: an event is only
 *   handled once the cache it reads holds what the event said (see `listPolicies` below).
 *
 * GitRepositories and Secrets are read with a GET at each run (the cache holds no Secret).
 */
import { ImageApiVersion, ImagePolicyKind, ImageUpdateAutomationKind } from '@weft/api';
import { cacheKind } from '@weft/runtime/cache';
import { type Client, matchesLabelSelector } from '@weft/runtime/client';
import type { Informer } from '@weft/runtime/informer';
import { type Manager, shardScope } from '@weft/runtime/manager';
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
  const scope = shardScope(manager.flags);
  const informer = manager.cache.informer(automations, scope);
  // The shard's scope too, as Flux's selector applies to every kind: a sharded instance sees only
  // the policies of its shard, and shares this informer with the reflector half.
  const policyInformer = manager.cache.informer(policies, scope);
  const reconciler = new ImageUpdateAutomationReconciler({
    client,
    // The informer whose events trigger runs: reading another watch than the one that fired let a
    // run triggered by a new latestRef read the old one from a cache not updated yet, and the
    // change then waited for the interval (issue 16: 3 of 100 in the bench). The manager's cache
    // now refuses an unscoped read of a kind with several informers (CacheScopeError).
    listPolicies: (policyNamespace) => policyInformer.list(policyNamespace),
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
    return informer
      .list(policyNamespace)
      .filter((automation) => matchesLabelSelector(automation.spec.policySelector, policy.metadata.labels))
      .map((automation) => `${policyNamespace}/${automation.metadata.name}`);
  });
  return { controller, informer, reconciler };
}
