import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { valuesDecryption } from './decryption.ts';
import type { HelmReleaseObject } from './types.ts';

// The shape sops writes (the metadata is all that is looked at before decrypting).
const sopsDocument = `data:
  password: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]
sops:
  lastmodified: "2026-01-01T00:00:00Z"
  mac: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]
  version: 3.13.0
`;

const release = (spec: Partial<HelmReleaseObject['spec']> = {}) =>
  ({
    apiVersion: 'helm.weft.dev/v1',
    kind: 'HelmRelease',
    metadata: { name: 'app', namespace: 'apps' },
    spec: { interval: '1m', ...spec },
  }) as HelmReleaseObject;

const noSecrets = {
  get: async () => {
    throw new Error('secrets "keys" not found');
  },
};

describe('values decryption', () => {
  it('passes plain documents through untouched, without reading any key', async () => {
    const decrypt = valuesDecryption(noSecrets, release({ decryption: { provider: 'sops' } }));
    assert.equal(await decrypt('data:\n  a: b\n', 'x'), 'data:\n  a: b\n');
  });

  it('refuses a SOPS document without spec.decryption, naming it', async () => {
    const decrypt = valuesDecryption(noSecrets, release());
    await assert.rejects(decrypt(sopsDocument, "Secret 'apps/v' key 'values.yaml'"), {
      message:
        "Secret 'apps/v' key 'values.yaml' is encrypted with SOPS: set spec.decryption (provider sops, secretRef) to decrypt it",
    });
  });

  it('says which keys Secret cannot be read', async () => {
    const decrypt = valuesDecryption(
      noSecrets,
      release({ decryption: { provider: 'sops', secretRef: { name: 'keys' } } }),
    );
    await assert.rejects(decrypt(sopsDocument, 'x'), {
      message:
        'cannot read the decryption secret apps/keys (spec.decryption.secretRef): secrets "keys" not found',
    });
  });
});
