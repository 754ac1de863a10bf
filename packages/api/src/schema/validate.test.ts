import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arr, duration, formatErrors, int, intOrString, json, map, obj, str, validate } from '../index.ts';

const schema = obj(
  {
    url: str({ pattern: '^https://' }),
    interval: duration(),
    mode: str({ enum: ['a', 'b'] }),
    count: int({ minimum: 1, maximum: 3 }),
    items: arr(obj({ name: str() }, { required: ['name'] }), { maxItems: 2 }),
    labels: map(str()),
    values: json(),
    port: intOrString(),
  },
  { required: ['url', 'interval'] },
).json;

function paths(value: unknown): string[] {
  return validate(value, schema).map((error) => error.path);
}

describe('validate', () => {
  it('accepts a valid value', () => {
    const value = {
      url: 'https://x',
      interval: '1m',
      mode: 'a',
      count: 2,
      items: [{ name: 'n' }],
      labels: { a: 'b' },
      values: { anything: { goes: [1] } },
      port: 'http',
    };
    assert.deepEqual(validate(value, schema), []);
  });

  it('names missing required fields', () => {
    assert.deepEqual(paths({ url: 'https://x' }), ['interval']);
  });

  it('rejects wrong types, enums, patterns and bounds, naming the field', () => {
    assert.deepEqual(paths({ url: 'http://x', interval: '1m' }), ['url']);
    assert.deepEqual(paths({ url: 'https://x', interval: '1 minute' }), ['interval']);
    assert.deepEqual(paths({ url: 'https://x', interval: '1m', mode: 'c' }), ['mode']);
    assert.deepEqual(paths({ url: 'https://x', interval: '1m', count: 4 }), ['count']);
    assert.deepEqual(paths({ url: 'https://x', interval: '1m', count: 1.5 }), ['count']);
    assert.deepEqual(paths({ url: 'https://x', interval: 60 }), ['interval']);
    assert.deepEqual(paths({ url: 'https://x', interval: '1m', port: true }), ['port']);
    assert.deepEqual(paths({ url: 'https://x', interval: '1m', labels: { a: 1 } }), ['labels.a']);
  });

  it('checks array items and lengths with indexed paths', () => {
    assert.deepEqual(paths({ url: 'https://x', interval: '1m', items: [{ name: 'a' }, {}] }), [
      'items[1].name',
    ]);
    assert.deepEqual(
      paths({ url: 'https://x', interval: '1m', items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }),
      ['items'],
    );
  });

  it('rejects unknown fields except under preserve-unknown-fields', () => {
    assert.deepEqual(paths({ url: 'https://x', interval: '1m', typo: true }), ['typo']);
    assert.deepEqual(paths({ url: 'https://x', interval: '1m', values: { typo: true } }), []);
  });

  it('formats errors one per line', () => {
    const text = formatErrors(validate({ url: 'https://x', interval: 'x' }, schema));
    assert.match(text, /^interval: must match the pattern/);
  });
});
