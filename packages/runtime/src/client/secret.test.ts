import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeSecretBytes, decodeSecretData } from './secret.ts';

const notUtf8 = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
const secret = {
  data: {
    username: Buffer.from('weft').toString('base64'),
    'key.der': notUtf8.toString('base64'),
    password: Buffer.from('from data').toString('base64'),
  },
  stringData: { password: 'from stringData' },
};

it('decodes data as text, with stringData on top as the apiserver would write it', () => {
  const values = decodeSecretData(secret);
  assert.equal(values.username, 'weft');
  assert.equal(values.password, 'from stringData');
});

it('decodes data as bytes without passing them through UTF-8', () => {
  const bytes = decodeSecretBytes(secret);
  assert.deepEqual(bytes['key.der'], notUtf8);
  assert.notDeepEqual(Buffer.from(decodeSecretData(secret)['key.der'] ?? '', 'utf8'), notUtf8);
  assert.equal(bytes.password?.toString('utf8'), 'from stringData');
});
