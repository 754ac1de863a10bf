/**
 * The long-running renderer against the real `helm template` of the pinned helm: for every test
 * chart (values, Capabilities, hooks, notes, subcharts and their conditions, schemas, the
 * post-renderer plugin, failing templates, library charts, missing dependencies, bad names) both
 * give the same bytes, or the same error message. Then what the controller relies on when the
 * process misbehaves: a crash fails the renders in flight with words and the next render starts
 * a new process, a render past its deadline ends the process, a missing binary is an error.
 * No cluster: `helm template` and the renderer never connect to one.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { waitUntil } from '@weft/e2e';
import {
  HelmCli,
  HelmRenderer,
  helmTemplate,
  installPostRenderPlugin,
  postRenderPluginName,
  type TemplateRequest,
} from '@weft/helm-controller';
import { helmBinary, helmRendererPath } from './helpers.ts';

const work = await mkdtemp(join(tmpdir(), 'hc-renderer-'));
const home = join(work, 'helm');
await installPostRenderPlugin(join(home, 'data'));
const helm = new HelmCli({ binary: helmBinary, home });
const renderer = new HelmRenderer({ binary: helmRendererPath, home, parallel: 4 });
after(async () => {
  renderer.close();
  await rm(work, { recursive: true, force: true });
});

async function chart(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, 'charts', name);
  const all = {
    'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 1.0.0\nappVersion: "2.0"\n`,
    'values.yaml': 'data:\n  greeting: hello\n',
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
  namespace: {{ .Release.Namespace }}
  labels:
    chart: {{ .Chart.Name }}-{{ .Chart.Version }}
    upgrade: {{ .Release.IsUpgrade | quote }}
data:
{{- range $key, $value := .Values.data }}
  {{ $key }}: {{ $value | quote }}
{{- end }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  hasDeployments: {{ .Capabilities.APIVersions.Has "apps/v1/Deployment" | quote }}
  numbers: {{ toJson .Values.numbers | quote }}
  file: {{ .Files.Get "files/note.txt" | quote }}
`;

const hook = `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-smoke
  annotations:
    helm.sh/hook: test
    helm.sh/hook-weight: "1"
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: smoke, image: busybox:1.36 }]
`;

function request(chartPath: string, overrides: Partial<TemplateRequest> = {}): TemplateRequest {
  return {
    releaseName: 'app',
    namespace: 'apps',
    chartPath,
    values: JSON.stringify({ data: { extra: 'x', n: 1 }, numbers: [1, 1.5, 1e21, 12345678901] }),
    kubeVersion: 'v1.36.3',
    apiVersions: ['v1', 'apps/v1', 'apps/v1/Deployment', 'batch/v1'],
    isUpgrade: false,
    skipSchemaValidation: false,
    ...overrides,
  };
}

type Outcome = { output: string } | { error: string };

const options = { timeoutMs: 60_000 };
const viaHelm = (r: TemplateRequest): Promise<Outcome> =>
  helmTemplate(helm, r, options).then(
    (output) => ({ output }),
    (error: Error) => ({ error: error.message }),
  );
const viaRenderer = (r: TemplateRequest): Promise<Outcome> =>
  renderer.render(r, options).then(
    ({ output }) => ({ output }),
    (error: Error) => ({ error: error.message }),
  );

async function same(r: TemplateRequest, expect: 'output' | 'error'): Promise<Outcome> {
  const [fromHelm, fromRenderer] = await Promise.all([viaHelm(r), viaRenderer(r)]);
  assert.deepEqual(fromRenderer, fromHelm);
  assert.ok(expect in fromHelm, `helm template gave ${JSON.stringify(fromHelm)}`);
  return fromHelm;
}

describe('the renderer renders as helm template does', { timeout: 300_000 }, () => {
  it('gives the same manifests for values, Capabilities, files, install and upgrade', async () => {
    const dir = await chart('plain', {
      'templates/configmap.yaml': configMap,
      'files/note.txt': 'a file\n',
      'templates/NOTES.txt': 'Installed {{ .Release.Name }}.\n',
    });
    const out = await same(request(dir), 'output');
    assert.match('output' in out ? out.output : '', /name: app-config/);
    await same(request(dir, { isUpgrade: true, releaseName: 'other', namespace: 'ns2' }), 'output');
    await same(request(dir, { kubeVersion: 'v1.30.0', apiVersions: [] }), 'output');
    await same(request(dir, { values: 'data:\n  yaml: input\nnumbers: [0x10, 1e3]\n' }), 'output');
    const notes = await renderer.render(request(dir), options);
    assert.equal(notes.notes, 'Installed app.\n');
    assert.equal(notes.hooks, 0);
  });

  it('gives the same output with hooks, and counts them', async () => {
    const dir = await chart('hooked', {
      'templates/configmap.yaml': configMap,
      'templates/tests/smoke.yaml': hook,
    });
    const out = await same(request(dir), 'output');
    assert.match('output' in out ? out.output : '', /# Source: hooked\/templates\/tests\/smoke.yaml/);
    assert.equal((await renderer.render(request(dir), options)).hooks, 1);
  });

  it('gives the same output for subcharts, their conditions and global values', async () => {
    const sub = (name: string) => ({
      [`charts/${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`,
      [`charts/${name}/values.yaml`]: 'own: 1\n',
      [`charts/${name}/templates/cm.yaml`]:
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Name }}\ndata:\n  global: {{ .Values.global.env | quote }}\n  own: {{ .Values.own | quote }}\n',
    });
    const dir = await chart('umbrella', {
      'Chart.yaml':
        'apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n  - name: one\n    version: 0.1.0\n    condition: one.enabled\n  - name: two\n    version: 0.1.0\n    condition: two.enabled\n',
      'values.yaml': 'global:\n  env: prod\none:\n  enabled: true\ntwo:\n  enabled: false\n',
      'templates/cm.yaml': configMap,
      ...sub('one'),
      ...sub('two'),
    });
    await same(request(dir), 'output');
    await same(request(dir, { values: JSON.stringify({ two: { enabled: true, own: 2 } }) }), 'output');
  });

  it('gives the same post-rendered output through the weft-kustomize plugin', async () => {
    const dir = await chart('patched', { 'templates/configmap.yaml': configMap });
    const spec = join(work, 'post-renderers.json');
    await writeFile(
      spec,
      JSON.stringify({
        postRenderers: [
          {
            kustomize: {
              patches: [
                {
                  patch:
                    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: apps\ndata:\n  patched: "yes"\n',
                },
              ],
            },
          },
        ],
        commonMetadata: { labels: { team: 'a' } },
      }),
    );
    const out = await same(
      request(dir, { postRenderer: { plugin: postRenderPluginName, args: [spec] } }),
      'output',
    );
    assert.match('output' in out ? out.output : '', /patched: "yes"/);
  });

  it('gives the same error for failing templates, schemas, library charts, dependencies and names', async () => {
    const failing = await chart('failing', {
      'templates/cm.yaml': '{{ required "data.must is required" .Values.data.must }}\n',
    });
    const error = await same(request(failing), 'error');
    assert.match('error' in error ? error.error : '', /data.must is required/);
    const broken = await chart('broken', { 'templates/cm.yaml': '{{ .Values.data | nosuchfunc }}\n' });
    await same(request(broken), 'error');
    const invalidYaml = await chart('invalid-yaml', { 'templates/cm.yaml': 'a: b\n  c: : d\n' });
    await same(request(invalidYaml), 'error');
    const schema = await chart('schema', {
      'templates/configmap.yaml': configMap,
      'values.schema.json': JSON.stringify({
        type: 'object',
        properties: { data: { type: 'object', properties: { n: { type: 'string' } } } },
      }),
    });
    await same(request(schema), 'error');
    await same(request(schema, { skipSchemaValidation: true }), 'output');
    const library = await chart('library', {
      'Chart.yaml': 'apiVersion: v2\nname: library\nversion: 1.0.0\ntype: library\n',
    });
    await same(request(library), 'error');
    const missing = await chart('missing-dep', {
      'Chart.yaml':
        'apiVersion: v2\nname: missing-dep\nversion: 1.0.0\ndependencies:\n  - name: absent\n    version: 1.0.0\n',
      'templates/configmap.yaml': configMap,
    });
    await same(request(missing), 'error');
    const old = await chart('needs-new-kube', {
      'Chart.yaml': 'apiVersion: v2\nname: needs-new-kube\nversion: 1.0.0\nkubeVersion: ">=1.99.0"\n',
      'templates/configmap.yaml': configMap,
    });
    await same(request(old), 'error');
    const plain = await chart('names', { 'templates/configmap.yaml': configMap });
    await same(request(plain, { releaseName: 'Not_A_Name' }), 'error');
    await same(request(plain, { values: 'data: [unclosed' }), 'error');
    await same(request(join(work, 'charts', 'absent')), 'error');
  });
});

describe('the renderer process', { timeout: 300_000 }, () => {
  // A template that keeps the renderer busy for a while (seconds on a loaded machine).
  const slowTemplate = '{{- range $i := until 3000000 }}{{- end }}\nkind: ConfigMap\n';

  it('fails the renders in flight when it dies, and the next render starts it again', async () => {
    const own = new HelmRenderer({ binary: helmRendererPath, home, parallel: 4 });
    after(() => own.close());
    const slow = await chart('slow', { 'templates/cm.yaml': slowTemplate });
    const plain = await chart('after-crash', { 'templates/configmap.yaml': configMap });
    const inFlight = own.render(request(slow), { timeoutMs: 600_000 });
    const [pid] = own.pids;
    assert.ok(pid !== undefined, 'the renderer started on the first render');
    process.kill(pid, 'SIGKILL');
    await assert.rejects(inFlight, /the helm renderer exited \(SIGKILL\); renders in flight failed/);
    const next = await own.render(request(plain), options);
    assert.match(next.output, /name: app-config/);
    assert.equal(own.starts, 2);
  });

  it('ends the process once idle, and the next render starts it again', async () => {
    const own = new HelmRenderer({ binary: helmRendererPath, home, parallel: 2, idleMs: 300 });
    after(() => own.close());
    const plain = await chart('idle', { 'templates/configmap.yaml': configMap });
    const slow = await chart('busy', { 'templates/cm.yaml': slowTemplate });
    // Idle only with nothing in flight: a render that outlasts the idle time keeps it running.
    const first = own.render(request(plain), options);
    const busy = own.render(request(slow), { timeoutMs: 600_000 });
    await first;
    const [pid] = own.pids;
    assert.ok(pid !== undefined);
    await busy;
    assert.deepEqual(own.pids, [pid], 'still the same process right after the last render');
    const exited = await waitUntil(
      'the idle renderer to exit',
      async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    assert.ok(exited);
    assert.deepEqual(own.pids, []);
    assert.match((await own.render(request(plain), options)).output, /name: app-config/);
    assert.equal(own.starts, 2);
  });

  it('ends a render past its deadline by restarting the process', async () => {
    const own = new HelmRenderer({ binary: helmRendererPath, home, parallel: 4 });
    after(() => own.close());
    const slow = await chart('slower', { 'templates/cm.yaml': slowTemplate.replace('3000000', '300000000') });
    await assert.rejects(
      own.render(request(slow), { timeoutMs: 300 }),
      /took over 0.3s; the renderer was restarted/,
    );
    const plain = await chart('after-timeout', { 'templates/configmap.yaml': configMap });
    assert.match((await own.render(request(plain), options)).output, /name: app-config/);
  });

  it('says so when the binary cannot run', async () => {
    const missing = new HelmRenderer({ binary: join(work, 'no-such-renderer'), home, parallel: 1 });
    after(() => missing.close());
    await assert.rejects(
      missing.render(request(work), options),
      /the helm renderer could not run \(.*no-such-renderer: spawn .* ENOENT\)/,
    );
  });
});
