export { defaultIgnore, IgnoreRules, sourceIgnoreFile, vcsIgnore } from './rules.ts';
