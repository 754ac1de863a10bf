/**
 * What `weft migrate` maps, from Flux's names to weft's: API groups (each kind to the weft
 * version of its group), annotation and label keys, and the bootstrap's `flux-system` names.
 * Every rule is a pure function of one YAML scalar's value, so it can be tested alone and the
 * edit that applies it touches that scalar's bytes only.
 */
import { Annotation, Domain, kindDefinitions, Label } from '@weft/api';

const fluxDomain = 'toolkit.fluxcd.io';

/** Flux's API groups → weft's (`source.toolkit.fluxcd.io` → `source.weft.dev`, …). */
export const groupMap: ReadonlyMap<string, string> = new Map(
  ['source', 'kustomize', 'helm', 'notification', 'image'].map((name) => [
    `${name}.${fluxDomain}`,
    `${name}.${Domain}`,
  ]),
);

/**
 * Flux's versions whose shape weft's `v1` follows. An object of an older version (a `v1beta1`
 * Kustomization, a `v2beta1` HelmRelease) is still moved to weft's group, with a warning: fields
 * that version had and Flux's current one dropped are not converted.
 */
const currentFluxVersions: ReadonlyMap<string, readonly string[]> = new Map([
  [`source.${fluxDomain}`, ['v1', 'v1beta2']],
  [`kustomize.${fluxDomain}`, ['v1']],
  [`helm.${fluxDomain}`, ['v2']],
  [`image.${fluxDomain}`, ['v1', 'v1beta2']],
  [`notification.${fluxDomain}`, ['v1', 'v1beta3']],
]);

/** Annotation and label keys, Flux's → weft's. Keys not listed here are reported, not guessed. */
export const keyMap: ReadonlyMap<string, string> = new Map([
  [`kustomize.${fluxDomain}/prune`, Annotation.KustomizePrune],
  [`kustomize.${fluxDomain}/ssa`, Annotation.KustomizeSSA],
  [`kustomize.${fluxDomain}/reconcile`, Annotation.KustomizeReconcile],
  [`kustomize.${fluxDomain}/substitute`, Annotation.KustomizeSubstitute],
  [`kustomize.${fluxDomain}/decrypt`, Annotation.KustomizeDecrypt],
  [`kustomize.${fluxDomain}/name`, Label.KustomizeName],
  [`kustomize.${fluxDomain}/namespace`, Label.KustomizeNamespace],
  [`helm.${fluxDomain}/name`, Label.HelmName],
  [`helm.${fluxDomain}/namespace`, Label.HelmNamespace],
  ['reconcile.fluxcd.io/requestedAt', Annotation.ReconcileRequestedAt],
  ['reconcile.fluxcd.io/watch', Label.ReconcileWatch],
  ['sharding.fluxcd.io/key', Label.ShardKey],
  [`event.${fluxDomain}/revision`, Annotation.EventRevision],
  [`event.${fluxDomain}/token`, Annotation.EventToken],
]);

/** The bootstrap's names: its namespace, GitRepository, Kustomization and Secret are all `flux-system`. */
export const fluxSystem = 'flux-system';
export const weftSystem = 'weft-system';

/** Files of a `flux bootstrap` directory → weft bootstrap's. */
export const bootstrapFiles: ReadonlyMap<string, string> = new Map([
  ['gotk-components.yaml', 'weft-components.yaml'],
  ['gotk-sync.yaml', 'weft-sync.yaml'],
]);

export type ScalarVerdict =
  | { kind: 'map'; after: string; rule: string; warning?: string }
  | { kind: 'unmapped'; reason: string }
  | { kind: 'keep' };

const weftKindsByGroup = new Map<string, Set<string>>();
for (const definition of kindDefinitions) {
  const kinds = weftKindsByGroup.get(definition.group) ?? new Set<string>();
  kinds.add(definition.kind);
  weftKindsByGroup.set(definition.group, kinds);
}

function weftVersionOf(group: string, kind: string): string | undefined {
  return kindDefinitions.find((d) => d.group === group && d.kind === kind)?.version;
}

/**
 * An `apiVersion` value of an object of `kind` (undefined where the kind is not known, as in a
 * reference without one): `kustomize.toolkit.fluxcd.io/v1` → `kustomize.weft.dev/v1`.
 */
export function mapApiVersion(value: string, kind: string | undefined): ScalarVerdict {
  const slash = value.indexOf('/');
  const group = slash < 0 ? value : value.slice(0, slash);
  const version = slash < 0 ? '' : value.slice(slash + 1);
  const weftGroup = groupMap.get(group);
  if (!weftGroup) {
    return value.includes('fluxcd.io')
      ? { kind: 'unmapped', reason: `weft has no API group for ${group}` }
      : { kind: 'keep' };
  }
  if (slash < 0) return { kind: 'map', after: weftGroup, rule: 'API group' };
  const weftVersion = kind ? weftVersionOf(weftGroup, kind) : 'v1';
  if (!weftVersion) {
    return { kind: 'unmapped', reason: `weft's ${weftGroup} has no kind ${kind}` };
  }
  const verdict: ScalarVerdict = { kind: 'map', after: `${weftGroup}/${weftVersion}`, rule: 'API group' };
  if (!currentFluxVersions.get(group)?.includes(version)) {
    verdict.warning = `${value} is an older Flux API: fields it had and Flux's current version dropped are not converted`;
  }
  return verdict;
}

/** An annotation or label key. */
export function mapKey(key: string): ScalarVerdict {
  const mapped = keyMap.get(key);
  if (mapped) return { kind: 'map', after: mapped, rule: 'annotation/label' };
  if (/(^|\.)fluxcd\.io\//.test(key)) {
    return { kind: 'unmapped', reason: `weft has no equivalent of ${key}` };
  }
  return { kind: 'keep' };
}

/**
 * A value naming the bootstrap's namespace or objects, alone or as a segment of a path or of a
 * `<namespace>:<name>` reference: `flux-system`, `./clusters/prod/flux-system`. URLs are left
 * alone (a repository may well be called flux-system).
 */
export function mapBootstrapName(value: string): ScalarVerdict {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^[^/]+@[^/]+:/.test(value)) return { kind: 'keep' };
  let after = value.replace(/(^|[/:])flux-system(?=$|[/:])/g, `$1${weftSystem}`);
  for (const [flux, weft] of bootstrapFiles) {
    after = after.replace(new RegExp(`(^|/)${flux.replace('.', '\\.')}$`), `$1${weft}`);
  }
  return after === value ? { kind: 'keep' } : { kind: 'map', after, rule: 'bootstrap name' };
}

/** `{"$imagepolicy": "flux-system:podinfo"}` setter markers in comments, namespace part. */
export const setterMarker = /(\{\s*"\$imagepolicy"\s*:\s*")flux-system(:)/g;
