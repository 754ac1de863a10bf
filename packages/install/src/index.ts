export {
  type Component,
  type ComponentName,
  componentNames,
  components,
  defaultComponents,
  helmBinaryPath,
  helmRendererPath,
  isComponentName,
  type PolicyRule,
  plannedComponents,
} from './components.ts';
export { type Piece, pieces } from './definition.ts';
export { defaultNamespace, GenerateCommand, generatedFiles, onlyComponents } from './files.ts';
export { dashboardExpressions, grafanaDashboard } from './monitoring/dashboard.ts';
export { alertRules, type RuleGroup } from './monitoring/rules.ts';
export type { KubeObject } from './objects/meta.ts';
export { containerName, serviceName } from './objects/workload.ts';
export { type RenderOptions, renderObjects, toYamlStream } from './render.ts';
export {
  defaultValues,
  logLevels,
  type Values,
  valuesSchema,
  weftVersion,
} from './values/values.ts';
