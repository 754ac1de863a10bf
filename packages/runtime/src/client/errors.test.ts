import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConflictError,
  errorFromStatus,
  GoneError,
  InvalidError,
  isAlreadyExists,
  NotFoundError,
} from './errors.ts';
import { jsonLines } from './transport.ts';

describe('errorFromStatus', () => {
  it('maps HTTP codes to typed errors and keeps the message', () => {
    const err = errorFromStatus(
      404,
      { kind: 'Status', reason: 'NotFound', message: 'configmaps "x" not found' },
      'get',
    );
    assert.ok(err instanceof NotFoundError);
    assert.equal(err.message, 'get: configmaps "x" not found');
    assert.ok(errorFromStatus(410, { reason: 'Expired' }) instanceof GoneError);
    const exists = errorFromStatus(409, { reason: 'AlreadyExists', message: 'exists' });
    assert.ok(exists instanceof ConflictError);
    assert.ok(isAlreadyExists(exists));
  });

  it('keeps field causes of Invalid and recognises immutable fields', () => {
    const err = errorFromStatus(422, {
      reason: 'Invalid',
      message: 'Deployment.apps "d" is invalid: spec.selector: Invalid value: ...: field is immutable',
      details: {
        causes: [{ field: 'spec.selector', reason: 'FieldValueInvalid', message: 'field is immutable' }],
      },
    });
    assert.ok(err instanceof InvalidError);
    assert.deepEqual(err.causes, [
      { field: 'spec.selector', reason: 'FieldValueInvalid', message: 'field is immutable' },
    ]);
    assert.equal(err.immutable, true);
    assert.equal(
      (errorFromStatus(422, { message: 'spec.x: Required value' }) as InvalidError).immutable,
      false,
    );
  });

  it('falls back to the body text when there is no Status', () => {
    const err = errorFromStatus(503, 'upstream down');
    assert.equal(err.reason, 'ServiceUnavailable');
    assert.equal(err.message, 'upstream down');
  });
});

describe('jsonLines', () => {
  it('splits lines across chunks, including a multi-byte character cut in half', async () => {
    const bytes = Buffer.from('{"a":"é"}\n{"b":2}\n\n{"c":3}');
    const cut = bytes.indexOf(0xa9); // second byte of é
    const chunks = [bytes.subarray(0, cut), bytes.subarray(cut, 14), bytes.subarray(14)];
    const out: unknown[] = [];
    for await (const value of jsonLines(
      (async function* () {
        yield* chunks;
      })(),
    ))
      out.push(value);
    assert.deepEqual(out, [{ a: 'é' }, { b: 2 }, { c: 3 }]);
  });
});
