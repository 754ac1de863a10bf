import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  arr,
  bool,
  DurationPattern,
  duration,
  type Infer,
  int,
  intOrString,
  json,
  map,
  obj,
  ref,
  str,
  TimeoutPattern,
  time,
} from '../index.ts';

/** Compile-time equality: `expectType<Equal<A, B>>(true)` fails typecheck when A and B differ. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(value: T): T {
  return value;
}

describe('schema builder', () => {
  it('builds strings with pattern, enum, default and bounds', () => {
    assert.deepEqual(
      str({ description: 'd', pattern: '^a$', minLength: 1, maxLength: 3, default: 'a' }).json,
      {
        type: 'string',
        description: 'd',
        default: 'a',
        pattern: '^a$',
        minLength: 1,
        maxLength: 3,
      },
    );
    assert.deepEqual(str({ enum: ['x', 'y'] }).json, { type: 'string', enum: ['x', 'y'] });
  });

  it('builds integers (int64 unless told), booleans, times and int-or-strings', () => {
    assert.deepEqual(int({ minimum: 0, maximum: 9 }).json, {
      type: 'integer',
      format: 'int64',
      minimum: 0,
      maximum: 9,
    });
    assert.deepEqual(int({ format: 'int32' }).json, { type: 'integer', format: 'int32' });
    assert.deepEqual(bool({ default: false }).json, { type: 'boolean', default: false });
    assert.deepEqual(time().json, { type: 'string', format: 'date-time' });
    assert.deepEqual(intOrString().json, { 'x-kubernetes-int-or-string': true });
  });

  it('builds durations with Flux patterns', () => {
    assert.equal(duration().json.pattern, DurationPattern);
    assert.equal(duration({ hours: false }).json.pattern, TimeoutPattern);
    const pattern = new RegExp(DurationPattern);
    for (const good of ['5m', '1h30m', '1.5s', '100ms']) assert.match(good, pattern);
    for (const bad of ['5', '5 m', '1d', 'm', '']) assert.doesNotMatch(bad, pattern);
    assert.doesNotMatch('1h', new RegExp(TimeoutPattern));
  });

  it('builds objects with required fields and CEL rules', () => {
    const schema = obj(
      { a: str(), b: int() },
      { required: ['a'], validations: [{ rule: 'self.b > 0', message: 'b must be positive' }] },
    );
    assert.deepEqual(schema.json, {
      type: 'object',
      'x-kubernetes-validations': [{ rule: 'self.b > 0', message: 'b must be positive' }],
      properties: { a: { type: 'string' }, b: { type: 'integer', format: 'int64' } },
      required: ['a'],
    });
    assert.equal(obj({ a: str() }).json.required, undefined, 'no required list when nothing is required');
  });

  it('builds arrays, maps, free-form objects and refs', () => {
    assert.deepEqual(arr(str(), { maxItems: 2, listType: 'set' }).json, {
      type: 'array',
      items: { type: 'string' },
      maxItems: 2,
      'x-kubernetes-list-type': 'set',
    });
    assert.deepEqual(map(bool()).json, { type: 'object', additionalProperties: { type: 'boolean' } });
    assert.deepEqual(json().json, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(ref('the thing').json.required, ['name']);
    assert.equal(ref('the thing').json.description, 'the thing');
  });

  it('infers TypeScript types from schemas', () => {
    const schema = obj(
      {
        name: str(),
        mode: str({ enum: ['a', 'b'] }),
        count: int(),
        tags: arr(str()),
        labels: map(str()),
        values: json(),
        port: intOrString(),
        nested: obj({ on: bool() }, { required: ['on'] }),
      },
      { required: ['name', 'mode'] },
    );
    type Value = Infer<typeof schema>;
    expectType<
      Equal<
        Value,
        {
          name: string;
          mode: 'a' | 'b';
          count?: number;
          tags?: string[];
          labels?: Record<string, string>;
          values?: Record<string, unknown>;
          port?: number | string;
          nested?: { on: boolean };
        }
      >
    >(true);
    // @ts-expect-error a required field is missing
    const missing: Value = { mode: 'a' };
    // @ts-expect-error a value outside the enum
    const outside: Value = { name: 'n', mode: 'c' };
    const good: Value = { name: 'n', mode: 'b', nested: { on: true } };
    assert.ok(missing && outside && good);
  });
});
