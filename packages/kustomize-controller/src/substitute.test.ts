// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests are about ${var} text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { checkVariableNames, SubstituteError, substituteObjects, substituteText } from './substitute.ts';

describe('substituteText', () => {
  const vars = { app: 'web', empty: '', n: '3' };

  it('replaces ${var} and leaves $var alone', () => {
    assert.equal(substituteText('name: ${app}-$app', vars), 'name: web-$app');
  });

  it('applies defaults the bash way', () => {
    assert.equal(
      substituteText('${missing:=dflt} ${empty:=dflt} ${empty:-d2} ${app:=x}', vars),
      'dflt dflt d2 web',
    );
    assert.equal(substituteText('${missing=a} ${empty=a} ${missing-b} ${empty-b}', vars), 'a  b ');
    assert.equal(substituteText('${missing:=${app}-x}', vars), 'web-x');
  });

  it('turns unset variables into empty strings, or errors in strict mode', () => {
    assert.equal(substituteText('a${missing}b', vars), 'ab');
    assert.throws(
      () => substituteText('a${missing}b', vars, { strict: true }),
      /variable not set \(strict mode\): missing/,
    );
    assert.equal(substituteText('${missing:=ok}', vars, { strict: true }), 'ok');
  });

  it('keeps escaped and unrecognised expressions', () => {
    assert.equal(
      substituteText('$${app} ${1} ${ app } ${app^^} ${unclosed', vars),
      '${app} ${1} ${ app } ${app^^} ${unclosed',
    );
  });

  it('refuses invalid variable names', () => {
    assert.throws(() => checkVariableNames({ 'bad-name': 'x' }, 'ConfigMap/vars'), SubstituteError);
    checkVariableNames({ good_Name1: 'x' }, 'spec');
  });
});

describe('substituteObjects', () => {
  it('substitutes through YAML so numbers become numbers, and honours the opt-out annotation', () => {
    const objects = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: '${app}' }, spec: { replicas: '${n}' } },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'raw', annotations: { 'kustomize.weft.dev/substitute': 'disabled' } },
        data: { script: 'echo ${HOME}', on: 'on' },
      },
    ];
    const out = substituteObjects(objects, { app: 'web', n: '3' });
    assert.deepEqual(out[0], {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 3 },
    });
    assert.equal(out[1], objects[1]);
  });

  it('keeps YAML 1.1 strings as strings and never quotes a value in an error', () => {
    const [cm] = substituteObjects(
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'on', b: '${v}' } }],
      { v: 'yes' },
    );
    assert.deepEqual((cm as { data: unknown }).data, { a: 'on', b: true });
    assert.throws(
      () =>
        substituteObjects(
          [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: '${pw}' } }],
          { pw: 'hunter2: [' },
        ),
      (err: unknown) =>
        err instanceof SubstituteError &&
        err.message.includes('Secret/s') &&
        !err.message.includes('hunter2'),
    );
  });

  it('gives what substituting the whole YAML text gives, value by value', () => {
    // The reference: the object written as YAML 1.1, substituted as text, read back.
    const throughText = (obj: Record<string, unknown>, vars: Record<string, string>): unknown => {
      try {
        return parse(substituteText(stringify(obj, { version: '1.1', lineWidth: 0 }), vars), {
          version: '1.1',
        });
      } catch {
        return 'error';
      }
    };
    const objects: Record<string, unknown>[] = [
      { spec: { replicas: '${n}', name: 'app-${i}', host: 'app-${i}.local', cpu: '${cpu}' } },
      { data: { flag: '${v}', list: ['${v}', 'x-${i}', { deep: '${n}' }] } },
      { data: { comment: '${hash}', colon: '${colon}', quoted: '"${i}"', lead: ' ${i}' } },
      { data: { '${i}-key': 'v', escaped: '$${i}', empty: '${unset}', dflt: '${unset:=7}' } },
      { data: { multi: 'a\n${i}', flow: '{${i}}', star: '${star}', null: '${nil}' } },
    ];
    const vars = { n: '3', i: '0app', cpu: '1m', v: 'on', hash: 'x #y', colon: 'a: b', star: '*x', nil: '~' };
    for (const obj of objects) {
      const expected = throughText(obj, vars);
      let actual: unknown;
      try {
        actual = substituteObjects([obj], vars)[0];
      } catch {
        actual = 'error';
      }
      assert.deepEqual(actual, expected, JSON.stringify(obj));
    }
  });
});
