import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SetterChange } from './setters.ts';
import { MessageTemplateError, renderMessage, templateData } from './template.ts';

const change = (kind: string, name: string, oldValue: string, newValue: string): SetterChange => ({
  setter: { namespace: 'apps', policy: 'app', field: 'image', setter: 'apps:app' },
  oldValue,
  newValue,
  object: { APIVersion: 'apps/v1', Kind: kind, Name: name, Namespace: 'apps' },
});

const changes = new Map([
  ['deploy/b.yaml', [change('Deployment', 'b', 'app:1', 'app:2')]],
  ['deploy/a.yaml', [change('Deployment', 'a', 'app:1', 'app:2'), change('Deployment', 'a', 'x:1', 'x:2')]],
]);
const data = templateData({ namespace: 'apps', name: 'auto' }, changes, { env: 'prod' });

describe('renderMessage', () => {
  test('the default message lists files, objects and changes (as Flux)', () => {
    assert.equal(
      renderMessage(undefined, data),
      [
        'Automated image update',
        '',
        'Automation name: apps/auto',
        '',
        'Files:',
        '- deploy/a.yaml',
        '- deploy/b.yaml',
        '',
        'Objects:',
        '- Deployment a',
        '  Changes:',
        '    - app:1 -> app:2',
        '    - x:1 -> x:2',
        '- Deployment b',
        '  Changes:',
        '    - app:1 -> app:2',
        '',
      ].join('\n'),
    );
  });

  test('a user template sees the automation, the changes and the values', () => {
    const template =
      '[{{ Values.env }}] {{ AutomationObject.Namespace }}/{{ AutomationObject.Name }}:' +
      '{% for c in Changed.Changes %} {{ c.Setter }} {{ c.OldValue }}->{{ c.NewValue }}{% endfor %}' +
      '{% for f in Changed.FileChanges %} {{ f.Path }}({{ f.Objects.size }}){% endfor %}';
    assert.equal(
      renderMessage(template, data),
      '[prod] apps/auto: apps:app app:1->app:2 apps:app x:1->x:2 apps:app app:1->app:2 deploy/a.yaml(1) deploy/b.yaml(1)',
    );
  });

  test('a template that does not parse is a clear error', () => {
    assert.throws(
      () => renderMessage('{% for c in Changed.Changes %}no end', data),
      (error) =>
        error instanceof MessageTemplateError &&
        /^spec\.git\.commit\.messageTemplate does not parse: /.test(error.message),
    );
  });

  test('an unknown field is an error, not an empty string', () => {
    assert.throws(
      () => renderMessage('update {{ Changed.Nope }}', data),
      (error) => error instanceof MessageTemplateError && /failed to render: .*Nope/.test(error.message),
    );
  });

  test("a Go template from Flux gets a hint that weft's are Liquid", () => {
    assert.throws(
      () => renderMessage('Update {{ range .Changed.Changes }}{{ .NewValue }}{{ end }}', data),
      (error) => error instanceof MessageTemplateError && /looks like a Go template/.test(error.message),
    );
  });

  test('no access to what the data does not own (prototype, constructor)', () => {
    assert.throws(() => renderMessage('{{ Values.constructor }}', data), MessageTemplateError);
  });

  test('an empty message is refused', () => {
    assert.throws(() => renderMessage('{% if false %}x{% endif %}', data), /renders an empty commit message/);
  });

  test('a template that loops without end is stopped by the render limit', () => {
    const heavy = `{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}`;
    assert.throws(() => renderMessage(heavy, data), MessageTemplateError);
  });
});
