import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderObjects } from '@weft/install';
import { CliError } from '../exit.ts';
import { chosenComponents, type InstallFlags, imageTagOf, installValues } from './install-options.ts';

const defaults: InstallFlags = {
  components: 'source-controller,kustomize-controller,notification-controller',
  componentsExtra: '',
  version: '0.1.0',
  registry: 'ghcr.io',
  networkPolicy: true,
  watchAllNamespaces: true,
  clusterReconciler: false,
  logLevel: 'info',
};

describe('weft install flags', () => {
  it('turns the chosen components on and the others off', () => {
    const values = installValues({ ...defaults, components: 'kustomize-controller' });
    assert.deepEqual(values['kustomize-controller'], { enabled: true });
    assert.deepEqual(values['source-controller'], { enabled: false });
  });

  it('says which controllers do not exist yet, and which names are unknown', () => {
    assert.throws(
      () => chosenComponents({ components: 'source-controller', componentsExtra: 'ui' }),
      (error: unknown) =>
        error instanceof CliError && error.exitCode === 2 && /not part of weft yet/.test(error.message),
    );
    assert.throws(
      () => chosenComponents({ components: 'source-controler', componentsExtra: '' }),
      /unknown component "source-controler"; available: source-controller/,
    );
  });

  it('maps version, registry, pull secret, network policy and scope onto the values', () => {
    const values = installValues({
      ...defaults,
      version: 'v0.2.0',
      registry: '127.0.0.1:5000',
      imagePullSecret: 'regcred',
      networkPolicy: false,
      watchAllNamespaces: false,
      logLevel: 'debug',
    });
    assert.deepEqual(values.image, { registry: '127.0.0.1:5000', tag: '0.2.0' });
    assert.deepEqual(values.imagePullSecrets, [{ name: 'regcred' }]);
    assert.deepEqual(values.networkPolicy, { enabled: false });
    assert.equal(values.watchAllNamespaces, false);
    assert.throws(() => installValues({ ...defaults, logLevel: 'loud' }), /--log-level must be one of/);
  });

  it('merges --values files over the flags left at their defaults, and typed flags over both', () => {
    const files = [
      { image: { registry: '127.0.0.1:5000', tag: '0.3.0' }, hostNetwork: true },
      { hostNetwork: false, 'kustomize-controller': { extraArgs: ['--concurrent=8'] } },
    ];
    const fromFiles = installValues(defaults, files);
    assert.deepEqual(fromFiles.image, { registry: '127.0.0.1:5000', tag: '0.3.0' });
    assert.equal(fromFiles.hostNetwork, false, 'a later file wins');
    assert.deepEqual(fromFiles['kustomize-controller'], { extraArgs: ['--concurrent=8'], enabled: true });
    assert.equal(imageTagOf(fromFiles), '0.3.0');

    const typed = installValues({ ...defaults, version: 'v0.2.0', given: new Set(['version']) }, files);
    assert.deepEqual(typed.image, { registry: '127.0.0.1:5000', tag: '0.2.0' });
  });

  it('--host-network puts the pods in the node network and lets the Namespace hold them', () => {
    const level = (hostNetwork?: boolean) => {
      const values = installValues({ ...defaults, ...(hostNetwork === undefined ? {} : { hostNetwork }) });
      const namespace = renderObjects({ namespace: 'weft-system', values }).find(
        (o) => o.kind === 'Namespace',
      );
      return [values.hostNetwork, namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']];
    };
    assert.deepEqual(level(), [false, 'restricted']);
    assert.deepEqual(level(true), [true, 'privileged']);
    // A values file's hostNetwork counts the same: the label follows the value, not the flag.
    const fromFile = installValues(defaults, [{ hostNetwork: true }]);
    const namespace = renderObjects({ namespace: 'weft-system', values: fromFile }).find(
      (o) => o.kind === 'Namespace',
    );
    assert.equal(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
  });

  it('refuses a values file that turns a controller on or off against --components', () => {
    const flags = { ...defaults, components: 'source-controller', values: ['mine.yaml'] };
    assert.deepEqual(
      installValues(flags, [
        { 'source-controller': { enabled: true }, 'helm-controller': { enabled: false } },
      ])['source-controller'],
      { enabled: true },
    );
    assert.throws(
      () => installValues(flags, [{ 'kustomize-controller': { enabled: true } }]),
      /--values mine\.yaml sets kustomize-controller\.enabled: true, but --components leaves it out/,
    );
  });
});

describe('the client version', () => {
  it('is the version @weft/install installs', async () => {
    const { weftVersion } = await import('@weft/install');
    const { clientVersion } = await import('../client-version.ts');
    assert.equal(clientVersion, weftVersion);
  });
});
