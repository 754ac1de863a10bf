export { type IgnorePattern, parsePattern, parsePatterns, patternMatches } from './pattern.ts';
export { defaultIgnore, IgnoreRules, sourceIgnoreFile, vcsIgnore } from './rules.ts';
export { ignoreRulesForTree } from './tree.ts';
