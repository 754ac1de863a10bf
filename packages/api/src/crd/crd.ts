/**
 * Builds apiextensions.k8s.io/v1 CustomResourceDefinitions from the kind definitions.
 */
import type { ControllerName } from '../controllers.ts';
import { type KindDefinition, type PrinterColumn, readyColumns } from '../kind.ts';
import { kindDefinitions } from '../kinds.ts';
import type { JSONSchemaProps } from '../schema/builder.ts';

export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: JSONSchemaProps };
  subresources: { status: Record<string, never> };
  additionalPrinterColumns: PrinterColumn[];
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories: string[];
    };
    scope: 'Namespaced';
    versions: CustomResourceDefinitionVersion[];
  };
}

/** The controller that reconciles each group, recorded as a label on its CRDs. */
const controllerOfGroup: Record<string, ControllerName> = {
  'source.weft.dev': 'source-controller',
  'kustomize.weft.dev': 'kustomize-controller',
  'helm.weft.dev': 'helm-controller',
  'image.weft.dev': 'image-automation-controller',
  'notification.weft.dev': 'notification-controller',
};

/** The whole object's schema: apiVersion, kind, metadata, spec and status. */
export function objectSchema(definition: KindDefinition): JSONSchemaProps {
  return {
    type: 'object',
    description: `${definition.kind}: ${definition.description}`,
    properties: {
      apiVersion: {
        type: 'string',
        description: 'The versioned schema of this representation of an object.',
      },
      kind: { type: 'string', description: 'The REST resource this object represents.' },
      metadata: { type: 'object' },
      spec: { ...definition.spec.json, description: `The desired state of the ${definition.kind}.` },
      status: {
        ...definition.status.json,
        description: `The observed state of the ${definition.kind}.`,
        // As Flux: an object whose status was never written reads as not yet observed.
        default: { observedGeneration: -1 },
      },
    },
    required: ['spec'],
  };
}

export function customResourceDefinition(definition: KindDefinition): CustomResourceDefinition {
  const names: CustomResourceDefinition['spec']['names'] = {
    kind: definition.kind,
    listKind: `${definition.kind}List`,
    plural: definition.plural,
    singular: definition.singular,
    categories: [...definition.categories],
  };
  if (definition.shortNames.length > 0) names.shortNames = [...definition.shortNames];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${definition.plural}.${definition.group}`,
      labels: {
        'app.kubernetes.io/part-of': 'weft',
        'app.kubernetes.io/component': controllerOfGroup[definition.group] ?? definition.group,
      },
    },
    spec: {
      group: definition.group,
      names,
      scope: 'Namespaced',
      versions: [
        {
          name: definition.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: objectSchema(definition) },
          subresources: { status: {} },
          additionalPrinterColumns: [...definition.printerColumns, ...readyColumns],
        },
      ],
    },
  };
}

/** The CRD of every weft kind, ready to apply. */
export function crds(): CustomResourceDefinition[] {
  return kindDefinitions.map(customResourceDefinition);
}
