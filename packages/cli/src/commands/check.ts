/**
 * `weft check`: before install (`--pre`), the Kubernetes version and the permissions an install
 * needs; after, each controller's Deployment (version, Ready) and each CRD (Established). Ends
 * with a verdict; the exit code is 1 when a check failed.
 */
import { components } from '@weft/install';
import type { Client } from '@weft/runtime/client';
import { computeStatus, HealthStatus } from '@weft/runtime/health';
import { connect, serverVersion } from '../connect.ts';
import { CliError, ExitCode } from '../exit.ts';
import type { GlobalOptions } from '../global.ts';
import { imageOf, imageTag, weftCrds, weftDeployments } from '../installed.ts';
import { Output } from '../output.ts';
import { chosenComponents } from './install-options.ts';

/** The oldest Kubernetes weft is tested against (the chart's kubeVersion). */
export const minimumKubernetes = { major: 1, minor: 30 };

export interface CheckOptions {
  pre: boolean;
  /** Only these controllers (and the CRDs they need); each must be installed. */
  components?: string;
}

/** What an install creates, asked of the API server with SelfSubjectAccessReviews. */
function installPermissions(namespace: string) {
  return [
    { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', verb: 'create' },
    { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'create' },
    { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', verb: 'create' },
    { group: '', resource: 'namespaces', verb: 'create' },
    { group: 'apps', resource: 'deployments', verb: 'create', namespace },
    { group: '', resource: 'serviceaccounts', verb: 'create', namespace },
    { group: 'networking.k8s.io', resource: 'networkpolicies', verb: 'create', namespace },
  ];
}

async function allowed(
  client: Client,
  attributes: { group: string; resource: string; verb: string; namespace?: string },
): Promise<boolean> {
  const review = await client.create({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: { resourceAttributes: attributes },
  });
  return (review.status as { allowed?: boolean } | undefined)?.allowed === true;
}

export async function check(global: GlobalOptions, options: CheckOptions): Promise<void> {
  const output = new Output();
  const client = connect(global);
  let failures = 0;
  const verdict = (ok: boolean, text: string) => {
    if (ok) output.ok(text);
    else {
      output.fail(text);
      failures++;
    }
  };

  output.step('checking prerequisites');
  const version = await serverVersion(client);
  const supported =
    version.major > minimumKubernetes.major ||
    (version.major === minimumKubernetes.major && version.minor >= minimumKubernetes.minor);
  verdict(
    supported,
    `Kubernetes ${version.gitVersion} ${supported ? '>=' : 'is older than'} ${minimumKubernetes.major}.${minimumKubernetes.minor}`,
  );

  if (options.pre) {
    for (const attributes of installPermissions(global.namespace)) {
      const where = attributes.namespace ? ` in ${attributes.namespace}` : '';
      const ok = await allowed(client, attributes);
      verdict(ok, `${ok ? 'may' : 'may not'} ${attributes.verb} ${attributes.resource}${where}`);
    }
  } else {
    output.step('checking controllers');
    const chosen = options.components
      ? chosenComponents({ components: options.components, componentsExtra: '' })
      : undefined;
    const installed = await weftDeployments(client, global.namespace);
    const deployments = chosen
      ? installed.filter((deployment) => (chosen as string[]).includes(deployment.metadata.name ?? ''))
      : installed;
    if (installed.length === 0)
      verdict(false, `no weft controllers in namespace ${global.namespace}: run weft install`);
    for (const name of chosen ?? []) {
      if (!deployments.some((deployment) => deployment.metadata.name === name))
        verdict(
          false,
          `${name}: not installed in ${global.namespace}; weft install --components=${options.components}`,
        );
    }
    for (const deployment of deployments) {
      const health = computeStatus(deployment);
      const image = imageOf(deployment);
      const ready = health.status === HealthStatus.Current;
      verdict(
        ready,
        `${deployment.metadata.name} ${imageTag(image)}: ${ready ? 'ready' : health.message || health.status}`,
      );
      output.step(image);
    }
    output.step('checking CRDs');
    const groups = chosen ? new Set(chosen.flatMap((name) => components[name].crdGroups)) : undefined;
    const crds = (await weftCrds(client)).filter(
      (crd) => !groups || groups.has((crd.spec as { group?: string } | undefined)?.group ?? ''),
    );
    if (crds.length === 0) verdict(false, 'no weft CRDs: run weft install');
    for (const crd of crds) {
      const conditions =
        (crd.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ??
        [];
      const established = conditions.some((c) => c.type === 'Established' && c.status === 'True');
      verdict(established, `${crd.metadata.name}${established ? '' : ': not established'}`);
    }
  }
  if (failures > 0)
    throw new CliError(`${failures} check${failures === 1 ? '' : 's'} failed`, ExitCode.Failed);
  output.ok('all checks passed');
}
