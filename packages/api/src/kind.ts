/**
 * What a kind is made of: its names, its spec and status schemas, and how kubectl prints it.
 * CRDs, docs and samples are all derived from these definitions.
 */
import type { ObjectMeta } from './meta.ts';
import type { Schema } from './schema/builder.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface KindDefinition<Spec = unknown, Status = unknown> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  categories: readonly string[];
  /** What the kind is for; the CRD's description and the opening line of its docs. */
  description: string;
  spec: Schema<Spec>;
  status: Schema<Status>;
  /** Columns between the name and the common Ready / Status / Age ones. */
  printerColumns: readonly PrinterColumn[];
}

/** An object of a weft kind. */
export interface WeftObject<ApiVersion extends string, Kind extends string, Spec, Status> {
  apiVersion: ApiVersion;
  kind: Kind;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

/** A printer column for the revision a kind last produced or applied. */
export function revisionColumn(jsonPath: string, priority?: number): PrinterColumn {
  const column: PrinterColumn = {
    name: 'Revision',
    type: 'string',
    jsonPath,
    description: 'The last revision.',
  };
  if (priority !== undefined) column.priority = priority;
  return column;
}

export const readyColumns: readonly PrinterColumn[] = [
  {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: 'Status of the Ready condition.',
  },
  {
    name: 'Status',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].message',
    description: 'Message of the Ready condition.',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];
