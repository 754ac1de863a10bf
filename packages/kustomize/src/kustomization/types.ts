export type FieldSpec = { group?: string; version?: string; kind?: string; path: string; create?: boolean };

export type Selector = {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
};

export type Patch = {
  path?: string;
  patch?: string;
  target?: Selector;
  options?: { allowNameChange?: boolean; allowKindChange?: boolean };
};

export type GeneratorOptions = {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  disableNameSuffixHash?: boolean;
  immutable?: boolean;
};

export type GeneratorArgs = {
  name: string;
  namespace?: string;
  behavior?: string;
  literals?: string[];
  files?: string[];
  envs?: string[];
  type?: string;
  options?: GeneratorOptions;
};

export type Image = { name: string; newName?: string; newTag?: string; digest?: string; tagSuffix?: string };
export type Replica = { name: string; count: number };
export type Label = {
  pairs: Record<string, string>;
  includeSelectors?: boolean;
  includeTemplates?: boolean;
  includeVolumeClaimTemplates?: boolean;
  fields?: FieldSpec[];
};
export type Var = {
  name: string;
  objref: {
    apiVersion?: string;
    group?: string;
    version?: string;
    kind?: string;
    name?: string;
    namespace?: string;
  };
  fieldref?: { fieldpath?: string };
};

export type Kustomization = {
  file: string;
  kind: 'Kustomization' | 'Component';
  resources: string[];
  components: string[];
  namespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  commonLabels: Record<string, string>;
  labels: Label[];
  commonAnnotations: Record<string, string>;
  images: Image[];
  replicas: Replica[];
  patches: Patch[];
  patchesStrategicMerge: string[];
  patchesJson6902: Patch[];
  configMapGenerator: GeneratorArgs[];
  secretGenerator: GeneratorArgs[];
  generatorOptions?: GeneratorOptions;
  generators: string[];
  transformers: string[];
  replacements: unknown[];
  vars: Var[];
  configurations: string[];
  crds: string[];
  sortOptions?: { order?: string; legacySortOptions?: { orderFirst?: string[]; orderLast?: string[] } };
  buildMetadata: string[];
  openapi?: Record<string, string>;
};
