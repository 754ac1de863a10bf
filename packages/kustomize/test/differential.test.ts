import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { toolPath } from '@weft/e2e';
import { parseAllDocuments } from 'yaml';
import { build } from '../src/index.ts';
import { writeAppTree, writeBase, writeOverlay } from './fixtures/app-tree.ts';
import { seededRandom } from './fixtures/random.ts';

let kustomize: string | undefined;
let missing = '';
try {
  kustomize = toolPath('kustomize');
} catch (err) {
  missing = `reference kustomize binary unavailable: ${(err as Error).message}`;
}

const work = mkdtempSync(path.join(tmpdir(), 'weft-kustomize-diff-'));
after(() => rmSync(work, { recursive: true, force: true }));

type Outcome = { ok: true; objects: unknown[] } | { ok: false; error: string };

const reference = (dir: string): Outcome => {
  try {
    const out = execFileSync(kustomize as string, ['build', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return {
      ok: true,
      objects: parseAllDocuments(out)
        .flatMap((d) => (Array.isArray(d) ? [] : [d.toJS()]))
        .filter((o) => o !== null),
    };
  } catch (err) {
    return { ok: false, error: String((err as { stderr?: string }).stderr ?? err) };
  }
};

const ours = async (dir: string): Promise<Outcome> => {
  try {
    return { ok: true, objects: JSON.parse(JSON.stringify(await build(dir))) as unknown[] };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
};

const compare = async (dir: string, mustBuild = false): Promise<void> => {
  const expected = reference(dir);
  const actual = await ours(dir);
  if (mustBuild)
    assert.ok(expected.ok, `the fixture should build with kustomize: ${expected.ok ? '' : expected.error}`);
  if (!expected.ok) {
    assert.equal(
      actual.ok,
      false,
      `kustomize failed (${expected.error.trim()}) but weft-kustomize succeeded`,
    );
    return;
  }
  if (!actual.ok) assert.fail(`weft-kustomize failed where kustomize succeeded: ${actual.error}`);
  assert.deepStrictEqual(actual.objects, JSON.parse(JSON.stringify(expected.objects)));
};

describe('differential against the reference kustomize', { skip: kustomize ? false : missing }, () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`random overlay, seed ${seed}`, async () => {
      const dir = path.join(work, `seed-${seed}`);
      const rand = seededRandom(seed);
      writeBase(path.join(dir, 'base'), 'web');
      writeOverlay(path.join(dir, 'overlay'), '../base', 'web', { rand, name: 'staging' });
      await compare(path.join(dir, 'overlay'));
    });
  }

  it('a tree of apps with two overlays each, built together', async () => {
    const dir = path.join(work, 'tree');
    writeAppTree(dir, 6, seededRandom(99));
    await compare(dir, true);
  });

  const fixture = (name: string, files: Record<string, string | Buffer>): string => {
    const dir = path.join(work, name);
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
    return dir;
  };

  it('RBAC, cross-namespace references and pull secrets', async () => {
    const dir = fixture('rbac', {
      'base/kustomization.yaml':
        'resources:\n- all.yaml\nsecretGenerator:\n- name: pull\n  type: kubernetes.io/dockerconfigjson\n  literals:\n  - .dockerconfigjson={}\n- name: tls\n  literals:\n  - tls.crt=x\n',
      'base/all.yaml': [
        'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n',
        'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\nrules: []\n',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: reader\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: reader\nsubjects:\n- kind: ServiceAccount\n  name: runner\n  namespace: old\n- kind: ServiceAccount\n  name: default\n- kind: User\n  name: runner\n',
        'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n',
        'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: job\nspec:\n  schedule: "0 * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          serviceAccountName: runner\n          imagePullSecrets:\n          - name: pull\n          containers:\n          - name: c\n            image: busybox\n            volumeMounts:\n            - {name: d, mountPath: /d}\n          volumes:\n          - name: d\n            persistentVolumeClaim:\n              claimName: data\n',
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  tls:\n  - secretName: tls\n  rules: []\n',
      ].join('---\n'),
      'overlay/kustomization.yaml':
        'resources:\n- ../base\nnamespace: team\nnamePrefix: t-\nnameSuffix: -one\ncommonLabels:\n  team: x\nimages:\n- name: busybox\n  newTag: "1.36"\n',
    });
    await compare(path.join(dir, 'overlay'), true);
  });

  it('custom resources with embedded pods, local config and generator layers', async () => {
    const dir = fixture('crs', {
      'base/kustomization.yaml':
        'resources:\n- cr.yaml\nconfigMapGenerator:\n- name: cfg\n  envs: [a.env]\n  files: [bin.dat, conf=c.txt]\ngeneratorOptions:\n  immutable: true\n  annotations:\n    from: base\n',
      'base/a.env': '# comment\nA=1\n  B=two words\nC="quoted"\n',
      'base/bin.dat': Buffer.from([0, 1, 2, 255, 254]),
      'base/c.txt': 'line1\nline2\n',
      'base/cr.yaml': [
        'apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: wf\nspec:\n  templates:\n  - name: main\n    containers:\n    - name: c\n      image: alpine:3.19\n      envFrom:\n      - configMapRef:\n          name: cfg\n',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n  annotations:\n    config.kubernetes.io/local-config: "true"\ndata:\n  x: "0777"\n',
      ].join('---\n'),
      'mid/kustomization.yaml':
        'resources:\n- ../base\nnamePrefix: mid-\nconfigMapGenerator:\n- name: cfg\n  behavior: merge\n  literals:\n  - D=4\n',
      'top/kustomization.yaml':
        'resources:\n- ../mid\nnameSuffix: -top\nimages:\n- name: alpine\n  newName: mirror/alpine\nconfigMapGenerator:\n- name: cfg\n  behavior: replace\n  literals:\n  - ONLY=1\n',
    });
    await compare(path.join(dir, 'top'), true);
  });

  it('components, configurations, vars and sortOptions', async () => {
    const dir = path.join(work, 'components');
    writeBase(path.join(dir, 'base'), 'api');
    mkdirSync(path.join(dir, 'comp'), { recursive: true });
    writeFileSync(
      path.join(dir, 'comp', 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  component: "yes"\nconfigMapGenerator:\n- name: api-config\n  behavior: merge\n  literals:\n  - FROM_COMPONENT=1\n',
    );
    mkdirSync(path.join(dir, 'overlay'), { recursive: true });
    writeFileSync(
      path.join(dir, 'overlay', 'kustomization.yaml'),
      'resources:\n- ../base\ncomponents:\n- ../comp\nnamePrefix: c-\nsortOptions:\n  order: fifo\nvars:\n- name: SVC\n  objref:\n    apiVersion: v1\n    kind: Service\n    name: api\n',
    );
    await compare(path.join(dir, 'overlay'), true);
  });
});
