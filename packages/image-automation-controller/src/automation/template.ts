/**
 * Commit messages from `spec.git.commit.messageTemplate`, in Liquid (liquidjs). Flux uses Go's
 * text/template; no maintained JavaScript implementation of it exists, so we take the closest
 * well-kept engine that is safe for templates written by tenants: Liquid was made for untrusted
 * templates (no code execution, only the data it is given, own properties only), liquidjs has
 * parse, render-time and memory limits (a tenant's template cannot hold the controller), strict
 * variables (a typo is an error, not an empty string), `{{- -}}` whitespace control as Go's, and
 * errors with line and column. See docs/design/0019-image-automation-git.md.
 *
 * The data is Flux's v1 TemplateData, with Go's map ranges turned into lists:
 * `AutomationObject` (`{{ AutomationObject }}` prints `namespace/name`; `.Name`, `.Namespace`),
 * `Changed.Changes`, `Changed.Objects` (each with `Kind`, `Name`, `Namespace`, `APIVersion` and
 * its `Changes`), `Changed.FileChanges` (each with `Path` and its `Objects`), `Values`.
 */
import { Drop, Liquid } from 'liquidjs';
import type { ObjectIdentifier, SetterChange } from './setters.ts';

export interface Change {
  OldValue: string;
  NewValue: string;
  Setter: string;
}

export interface ObjectChanges extends ObjectIdentifier {
  Changes: Change[];
}

export interface FileChanges {
  Path: string;
  Objects: ObjectChanges[];
}

/** What `applySetters` found, by file (paths relative to the repository root). */
export type ChangesByFile = ReadonlyMap<string, readonly SetterChange[]>;

/** `{{ AutomationObject }}` prints `namespace/name`, as Go prints a NamespacedName. */
class NamespacedName extends Drop {
  readonly Name: string;
  readonly Namespace: string;
  constructor(namespace: string, name: string) {
    super();
    this.Namespace = namespace;
    this.Name = name;
  }
  override valueOf(): string {
    return `${this.Namespace}/${this.Name}`;
  }
}

export interface TemplateData {
  AutomationObject: NamespacedName;
  Changed: { Changes: Change[]; Objects: ObjectChanges[]; FileChanges: FileChanges[] };
  Values: Record<string, string>;
}

/** Flux's default message, in Liquid. */
export const defaultMessageTemplate = `Automated image update

Automation name: {{ AutomationObject }}

Files:
{% for file in Changed.FileChanges -%}
- {{ file.Path }}
{% endfor %}
Objects:
{% for object in Changed.Objects -%}
- {{ object.Kind }} {{ object.Name }}
  Changes:
{%- for change in object.Changes %}
    - {{ change.OldValue }} -> {{ change.NewValue }}
{%- endfor %}
{% endfor -%}
`;

/** A template that does not parse or render; the message says where and what to do. */
export class MessageTemplateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MessageTemplateError';
  }
}

const engine = new Liquid({
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  // A commit message is small: these bound what one tenant's template may cost.
  parseLimit: 64 * 1024,
  renderLimit: 1000,
  memoryLimit: 8 * 1024 * 1024,
});

const toChange = (change: SetterChange): Change => ({
  OldValue: change.oldValue,
  NewValue: change.newValue,
  Setter: change.setter.setter,
});

const objectKey = (object: ObjectIdentifier) =>
  `${object.APIVersion}|${object.Kind}|${object.Namespace}|${object.Name}`;

function groupByObject(changes: readonly SetterChange[]): ObjectChanges[] {
  const objects = new Map<string, ObjectChanges>();
  for (const change of changes) {
    const key = objectKey(change.object);
    let entry = objects.get(key);
    if (!entry) {
      entry = { ...change.object, Changes: [] };
      objects.set(key, entry);
    }
    entry.Changes.push(toChange(change));
  }
  return [...objects.values()];
}

/** The template data for one commit. Files and objects come in path order. */
export function templateData(
  automation: { namespace: string; name: string },
  changes: ChangesByFile,
  values: Record<string, string> = {},
): TemplateData {
  const paths = [...changes.keys()].sort();
  const all = paths.flatMap((path) => changes.get(path) ?? []);
  return {
    AutomationObject: new NamespacedName(automation.namespace, automation.name),
    Changed: {
      Changes: all.map(toChange),
      Objects: groupByObject(all),
      FileChanges: paths.map((path) => ({ Path: path, Objects: groupByObject(changes.get(path) ?? []) })),
    },
    Values: { ...values },
  };
}

/** A Go template moved over from Flux unchanged is the likeliest mistake: say so. */
function goTemplateHint(template: string): string {
  return /\{\{-?\s*(\.|range\b|end\b|if\s+\.)/.test(template)
    ? ' (this looks like a Go template from Flux: weft templates are Liquid, e.g. {{ AutomationObject }}, {% for change in Changed.Changes %}…{% endfor %})'
    : '';
}

/** Renders the commit message; a bad template throws MessageTemplateError. */
export function renderMessage(template: string | undefined, data: TemplateData): string {
  const source = template === undefined || template.trim() === '' ? defaultMessageTemplate : template;
  let parsed: ReturnType<Liquid['parse']>;
  try {
    parsed = engine.parse(source);
  } catch (cause) {
    throw new MessageTemplateError(
      `spec.git.commit.messageTemplate does not parse: ${firstLine(cause)}${goTemplateHint(source)}`,
      { cause },
    );
  }
  let message: string;
  try {
    message = engine.renderSync(parsed, data) as string;
  } catch (cause) {
    throw new MessageTemplateError(
      `spec.git.commit.messageTemplate failed to render: ${firstLine(cause)}${goTemplateHint(source)}`,
      { cause },
    );
  }
  if (message.trim() === '') {
    throw new MessageTemplateError('spec.git.commit.messageTemplate renders an empty commit message');
  }
  return message;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
