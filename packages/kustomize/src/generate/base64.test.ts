import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeBase64Lines } from './base64.ts';

describe('encodeBase64Lines', () => {
  it('keeps a value under 70 encoded characters on one line, without a newline', () => {
    assert.equal(encodeBase64Lines(Buffer.from('apple')), 'YXBwbGU=');
    assert.equal(encodeBase64Lines(Buffer.alloc(51)).length, 68);
  });
  it('cuts a longer value into lines of 70, each ending in a newline', () => {
    const text = '\nLife is short.\nBut the years are long.\nNot while the evil days come not.\n';
    const lines = encodeBase64Lines(Buffer.from(text));
    assert.ok(lines.endsWith('\n'));
    const parts = lines.slice(0, -1).split('\n');
    assert.deepEqual(
      parts.map((p) => p.length),
      [70, 30],
    );
    assert.equal(Buffer.from(parts.join(''), 'base64').toString(), text);
  });
  it('puts even a short last line on its own line', () => {
    const encoded = Buffer.alloc(52).toString('base64'); // 72 characters
    assert.equal(encodeBase64Lines(Buffer.alloc(52)), `${encoded.slice(0, 70)}\n${encoded.slice(70)}\n`);
  });
});
