/**
 * Objects built through a TemplateScope → the text of a Helm template. Markers become actions:
 * a whole value `{{ toJson … }}` (keeps its type), a value inside a string `{{ … }}`, an optional
 * field a `with` block, spliced items a `range`. Literal `{{` in the objects (Grafana legends, CRD
 * descriptions) is escaped, so Helm prints it as is.
 */
import { stringify } from 'yaml';
import { type Condition, conditionExpr, type Marker, markerPattern } from './scope.ts';

export function objectYaml(object: unknown): string {
  // lineWidth 0: long strings stay on one line, so markers are never split and diffs stay readable.
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}

function markerAt(markers: readonly Marker[], index: string): Marker {
  const marker = markers[Number(index)];
  if (!marker) throw new Error(`unknown template marker ${index}`);
  return marker;
}

/** One object's YAML with its markers turned into template actions. */
export function templateYaml(object: unknown, markers: readonly Marker[]): string {
  let text = objectYaml(object).replaceAll('{{', '{{ "{{" }}');
  text = text.replace(
    /^( *)([^\s:][^:\n]*): WEFTO(\d+)X$/gm,
    (_, indent: string, key: string, index: string) => {
      const { expr } = markerAt(markers, index);
      return `{{- with ${expr} }}\n${indent}${key}: {{ toJson . }}\n{{- end }}`;
    },
  );
  text = text.replace(/^( *)- WEFTI(\d+)X$/gm, (_, indent: string, index: string) => {
    const { expr } = markerAt(markers, index);
    return `{{- range ${expr} }}\n${indent}- {{ toJson . }}\n{{- end }}`;
  });
  text = text.replace(/(: |- )WEFTV(\d+)X$/gm, (_, lead: string, index: string) => {
    return `${lead}{{ toJson ${markerAt(markers, index).expr} }}`;
  });
  text = text.replace(markerPattern, (whole, letter: string, index: string) => {
    if (letter !== 'V') throw new Error(`template marker ${whole} is not where a ${letter} marker may be`);
    return `{{ ${markerAt(markers, index).expr} }}`;
  });
  return text;
}

/** A template document, switched on by all `when` conditions. */
export function templateDocument(
  object: unknown,
  markers: readonly Marker[],
  when: readonly Condition[],
): string {
  const body = `---\n${templateYaml(object, markers)}`;
  if (when.length === 0) return body;
  const test =
    when.length === 1
      ? conditionExpr(when[0] as Condition)
      : `and ${when.map((c) => `(${conditionExpr(c)})`).join(' ')}`;
  return `{{- if ${test} }}\n${body}{{- end }}\n`;
}
