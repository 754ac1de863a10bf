import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubeConfigFromString } from './remote.ts';

const kubeconfig = (user: string) => `
apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://10.0.0.1:6443', certificate-authority-data: 'AAAA' } }]
users: [{ name: u, user: ${user} }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

describe('kubeConfigFromString', () => {
  it('accepts token and embedded-certificate users', () => {
    const kc = kubeConfigFromString(kubeconfig('{ token: abc }'));
    assert.equal(kc.getCurrentCluster()?.server, 'https://10.0.0.1:6443');
  });
  it('refuses exec plugins and local files unless allowed', () => {
    const exec = kubeconfig('{ exec: { command: /bin/sh, apiVersion: client.authentication.k8s.io/v1 } }');
    assert.throws(() => kubeConfigFromString(exec), /exec/);
    assert.throws(
      () => kubeConfigFromString(kubeconfig('{ client-certificate: /etc/passwd }')),
      /local files/,
    );
    assert.throws(
      () =>
        kubeConfigFromString(
          kubeconfig('{ tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token }'),
        ),
      /local files/,
    );
    assert.doesNotThrow(() => kubeConfigFromString(exec, true));
  });
});
