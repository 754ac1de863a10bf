export { defaultIgnore, IgnoreRules, sourceIgnoreFile, vcsIgnore } from './rules.ts';
export { ignoreRulesForTree } from './tree.ts';
