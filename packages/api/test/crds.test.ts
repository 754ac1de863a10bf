/**
 * The generated CRDs on a real API server: they install and become Established, every sample is
 * accepted (and defaulted), and invalid objects are rejected with a message naming the field.
 */
import assert from 'node:assert/strict';
import { type RequestOptions, request } from 'node:https';
import { describe, test } from 'node:test';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { type CustomResourceDefinition, crds, invalidSamples, kindDefinition, samples } from '@weft/api';
import { type Cluster, eventually, testNamespace, useCluster } from '@weft/e2e';

// At top level, not in before(): useCluster registers an after() hook that must belong to the file.
const cluster: Cluster = await useCluster();
const config: KubeConfig = await cluster.kubeConfig();
const customObjects = config.makeApiClient(CustomObjectsApi);

function statusCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number'
    ? error.code
    : undefined;
}

/** The message of a Status the API server answered with, whatever shape the client gave it. */
function statusMessage(error: unknown): string {
  const body = typeof error === 'object' && error !== null && 'body' in error ? error.body : undefined;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body;
    }
  }
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    'message' in parsed &&
    typeof parsed.message === 'string'
  ) {
    return parsed.message;
  }
  return String(error);
}

interface RawResponse {
  status: number;
  body: unknown;
}

/**
 * A request with the JSON body sent as is. client-node's typed APIs serialise a CRD through
 * their model classes, which know `enum`, `default` and `x-kubernetes-*` only under other names
 * (`_enum`, `_default`, `x_kubernetes_validations`) and silently drop them from a plain object.
 */
async function raw(method: string, path: string, body?: unknown): Promise<RawResponse> {
  const server = config.getCurrentCluster()?.server;
  assert.ok(server, 'the kubeconfig has no current cluster');
  const url = new URL(path, server);
  const options: RequestOptions = {
    method,
    hostname: url.hostname,
    port: url.port,
    path: url.pathname,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
  };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

interface InstalledCrd {
  metadata: { resourceVersion: string };
  spec: { versions: { schema: unknown }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

async function readCrd(name: string): Promise<InstalledCrd> {
  const response = await raw('GET', `${crdPath}/${name}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body as InstalledCrd;
}

/** Creates the CRD, or replaces it when an earlier run (or another test) installed it. */
async function install(crd: CustomResourceDefinition): Promise<void> {
  const created = await raw('POST', crdPath, crd);
  if (created.status === 201) return;
  assert.equal(created.status, 409, `creating ${crd.metadata.name}: ${JSON.stringify(created.body)}`);
  const existing = await readCrd(crd.metadata.name);
  const body = { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.metadata.resourceVersion } };
  const replaced = await raw('PUT', `${crdPath}/${crd.metadata.name}`, body);
  assert.equal(replaced.status, 200, `replacing ${crd.metadata.name}: ${JSON.stringify(replaced.body)}`);
}

function established(crd: InstalledCrd): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

describe('weft CRDs on a real API server', () => {
  test('every CRD installs and becomes Established', async () => {
    for (const crd of crds()) await install(crd);
    for (const crd of crds()) {
      const installed = await eventually(`${crd.metadata.name} Established`, async () => {
        const current = await readCrd(crd.metadata.name);
        return established(current) ? current : undefined;
      });
      // The API server keeps the schema as given: nothing pruned or rewritten on the way.
      assert.deepEqual(installed.spec.versions[0]?.schema, crd.spec.versions[0]?.schema, crd.metadata.name);
    }
  });

  test('discovery lists short names and the weft category', async () => {
    for (const crd of crds()) {
      const resources = await eventually(`discovery of ${crd.spec.group}`, async () => {
        const list = await customObjects.getAPIResources({ group: crd.spec.group, version: 'v1' });
        return list.resources.find((resource) => resource.name === crd.spec.names.plural);
      });
      assert.ok(resources.categories?.includes('weft'), `${crd.metadata.name} is not in category weft`);
      assert.deepEqual(resources.shortNames ?? [], crd.spec.names.shortNames ?? []);
      assert.equal(resources.namespaced, true);
    }
  });

  test('the sample of every kind is accepted and defaulted', async () => {
    const namespace = await testNamespace(config, 'api-samples');
    for (const sample of Object.values(samples)) {
      const definition = kindDefinition(sample.kind);
      assert.ok(definition);
      const created = await customObjects
        .createNamespacedCustomObject({
          group: definition.group,
          version: definition.version,
          namespace,
          plural: definition.plural,
          body: sample,
        })
        .catch((error: unknown) => assert.fail(`${sample.kind} sample rejected: ${statusMessage(error)}`));
      assert.equal((created as { kind?: string }).kind, sample.kind);
    }
    const git = (await customObjects.getNamespacedCustomObject({
      group: 'source.weft.dev',
      version: 'v1',
      namespace,
      plural: 'gitrepositories',
      name: samples.GitRepository.metadata.name ?? '',
    })) as { spec: { provider?: string }; status?: { observedGeneration?: number } };
    assert.equal(git.spec.provider, 'generic', 'spec.provider is defaulted');
    assert.equal(git.status?.observedGeneration, -1, 'status.observedGeneration is defaulted');
    const kustomization = (await customObjects.getNamespacedCustomObject({
      group: 'kustomize.weft.dev',
      version: 'v1',
      namespace,
      plural: 'kustomizations',
      name: samples.Kustomization.metadata.name ?? '',
    })) as { spec: { force?: boolean } };
    assert.equal(kustomization.spec.force, false, 'spec.force is defaulted');
  });

  describe('invalid objects are rejected with a message naming the field', async () => {
    for (const invalid of invalidSamples) {
      test(`${invalid.kind}: ${invalid.name}`, async () => {
        const namespace = await testNamespace(config, 'api-invalid');
        const definition = kindDefinition(invalid.kind);
        assert.ok(definition);
        const error = await customObjects
          .createNamespacedCustomObject({
            group: definition.group,
            version: definition.version,
            namespace,
            plural: definition.plural,
            body: invalid.object,
          })
          .then(
            () => undefined,
            (rejection: unknown) => rejection,
          );
        assert.ok(error !== undefined, 'the API server accepted the object');
        assert.equal(statusCode(error), 422, statusMessage(error));
        const message = statusMessage(error);
        assert.ok(
          message.includes(`${invalid.field}:`),
          `message does not name ${invalid.field}: ${message}`,
        );
      });
    }
  });
});
