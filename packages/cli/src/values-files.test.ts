import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from './exit.ts';
import { parseValues, valuesProblems } from './values-files.ts';

describe('--values files', () => {
  it('accepts what the chart accepts, YAML or JSON', () => {
    const values = parseValues(
      'hostNetwork: true\nkustomize-controller:\n  extraArgs: [--concurrent=8]\n  ports: { metrics: 18080 }\n',
      'a.yaml',
    );
    assert.deepEqual(values, {
      hostNetwork: true,
      'kustomize-controller': { extraArgs: ['--concurrent=8'], ports: { metrics: 18080 } },
    });
    assert.deepEqual(parseValues('{"image": {"pullPolicy": "Never"}}', 'b.json'), {
      image: { pullPolicy: 'Never' },
    });
    assert.deepEqual(parseValues('# nothing set\n', 'empty.yaml'), {});
  });

  it('names the file, the key and what it wants', () => {
    assert.deepEqual(
      valuesProblems({
        hostNetwrok: true,
        image: { pullPolicy: 'Sometimes' },
        'source-controller': { replicas: 0, ports: { metrics: '8080' }, tolerations: {} },
      }),
      [
        'hostNetwrok: no such value (known here: image, imagePullSecrets, logLevel, watchAllNamespaces, hostNetwork, clusterReconciler, networkPolicy, monitoring, source-controller, kustomize-controller, helm-controller, notification-controller, image-automation-controller)',
        'image.pullPolicy: want one of Always, IfNotPresent, Never',
        'source-controller.replicas: want at least 1',
        'source-controller.ports.metrics: want an integer',
        'source-controller.tolerations: want a list',
      ],
    );
    assert.throws(
      () => parseValues('logLevel: loud\n', 'ci.yaml'),
      (error: unknown) =>
        error instanceof CliError &&
        error.exitCode === 2 &&
        /--values ci\.yaml does not fit the chart's values/.test(error.message) &&
        /logLevel: want one of debug, info, warn, error/.test(error.message),
    );
    assert.throws(() => parseValues('a: [\n', 'bad.yaml'), /--values bad\.yaml is not YAML/);
    assert.throws(() => parseValues('- a\n', 'list.yaml'), /the top level: want a map/);
  });
});
