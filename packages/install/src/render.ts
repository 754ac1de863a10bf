/** The definition evaluated with values: the objects of one installation, and their YAML. */
import { mergeValues } from '@weft/api';
import { type Piece, pieces } from './definition.ts';
import type { KubeObject } from './objects/meta.ts';
import { objectYaml } from './template/emit.ts';
import { ValuesScope } from './template/scope.ts';
import { defaultValues, type Values } from './values/values.ts';

export interface RenderOptions {
  namespace: string;
  /** Merged over the defaults, as Helm merges `--values` and `--set`. */
  values?: Values;
  /** Leave out what the chart leaves out (the Namespace), to compare with `helm template`. */
  chartOnly?: boolean;
}

export function renderObjects(options: RenderOptions): KubeObject[] {
  const values = mergeValues(defaultValues(), options.values ?? {});
  const scope = new ValuesScope(values, options.namespace);
  const wanted = (piece: Piece) =>
    !(options.chartOnly && piece.plainOnly) && piece.when.every((condition) => scope.holds(condition));
  return pieces()
    .filter(wanted)
    .map((piece) => piece.build(scope));
}

/** A multi-document YAML stream, each document starting with `---`. */
export function toYamlStream(objects: readonly KubeObject[]): string {
  return objects.map((object) => `---\n${objectYaml(object)}`).join('');
}
