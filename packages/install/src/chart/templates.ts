/** The chart's templates: each piece of the definition rendered through a TemplateScope. */
import { pieces } from '../definition.ts';
import { templateDocument } from '../template/emit.ts';
import { TemplateScope } from '../template/scope.ts';
import { valuesSchema } from '../values/values.ts';

/** File name below `templates/` → its text. */
export function chartTemplates(header: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const piece of pieces()) {
    if (piece.plainOnly) continue;
    const scope = new TemplateScope(valuesSchema);
    const object = piece.build(scope);
    const text = templateDocument(object, scope.markers, piece.when);
    files.set(piece.file, (files.get(piece.file) ?? header) + text);
  }
  return files;
}
