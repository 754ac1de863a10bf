/**
 * The controllers `weft install` and `weft bootstrap` choose unless told otherwise. Kept here, not
 * imported from @weft/install, so `--help` does not load the definition; a unit test fails when
 * the two lists drift.
 */
export const defaultComponents =
  'source-controller,kustomize-controller,helm-controller,notification-controller';
