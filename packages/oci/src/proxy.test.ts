import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OciError } from './errors.ts';
import { proxyFromSecret, proxyHeaders } from './proxy.ts';

test('a proxy Secret: address with username and password, or credentials in the URL', () => {
  const proxy = proxyFromSecret({ address: 'http://proxy:3128', username: 'u', password: 'p' }, 'ns/proxy');
  assert.equal(proxy.url.href, 'http://proxy:3128/');
  assert.deepEqual(proxyHeaders(proxy), {
    'Proxy-Authorization': `Basic ${Buffer.from('u:p').toString('base64')}`,
  });
  const inline = proxyFromSecret({ address: 'http://a%40b:s3cret@proxy:3128' }, 'ns/proxy');
  assert.equal(inline.url.href, 'http://proxy:3128/', 'no credentials left in the URL');
  assert.equal(inline.username, 'a@b');
  assert.deepEqual(proxyHeaders(proxyFromSecret({ address: 'http://proxy:3128' }, 'ns/proxy')), {});
});

test('a bad proxy Secret names the Secret, never its values', () => {
  const refuses = (data: Record<string, string>, pattern: RegExp) =>
    assert.throws(
      () => proxyFromSecret(data, 'ns/proxy'),
      (error: OciError) =>
        error instanceof OciError && pattern.test(error.message) && !error.message.includes('s3cret'),
    );
  refuses({}, /secret ns\/proxy has no "address"/);
  refuses({ address: 'not a url', password: 's3cret' }, /"address" is not a URL/);
  refuses({ address: 'socks5://proxy:1080' }, /must be an http:\/\/ URL/);
  refuses({ address: 'http://proxy:3128', password: 's3cret' }, /both username and password, or neither/);
});
