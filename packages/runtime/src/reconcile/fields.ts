/**
 * The runtime's half of "no field is silently ignored": before a reconcile, an object that sets a
 * spec field its reconciler does not declare implemented is refused with a StalledError naming
 * the field (reason `UnsupportedField`), so the user learns at once rather than never.
 */
import {
  type FieldSupport,
  kindDefinition,
  UnsupportedFieldReason,
  unsupportedFields,
  unsupportedFieldsMessage,
} from '@weft/api';
import type { KubeObject } from '../client/types.ts';
import { StalledError } from './types.ts';

/** The StalledError for `obj`, or undefined when every field it sets is implemented. */
export function unsupportedFieldError(
  kind: string,
  fields: FieldSupport | undefined,
  obj: KubeObject,
): StalledError | undefined {
  if (fields === undefined) return undefined;
  const schema = kindDefinition(kind)?.spec.json;
  if (schema === undefined) return undefined;
  const refused = unsupportedFields(schema, (obj as { spec?: unknown }).spec, fields.implemented);
  return refused.length === 0
    ? undefined
    : new StalledError(UnsupportedFieldReason, unsupportedFieldsMessage(refused));
}
