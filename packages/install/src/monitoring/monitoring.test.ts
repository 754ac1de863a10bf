import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { alertRules, dashboardExpressions } from '../index.ts';

const execFileAsync = promisify(execFile);

/** promtool, with a message that says where it comes from when it is missing. */
async function run(command: string, args: string[]): Promise<{ stdout: string }> {
  try {
    return await execFileAsync(command, args);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `${command} is not installed: install Debian's prometheus package (e2e/run setup does)`,
      );
    }
    throw error;
  }
}
const packagesDir = join(import.meta.dirname, '..', '..', '..');
const scratch = await mkdtemp(join(tmpdir(), 'weft-rules-'));
after(() => rm(scratch, { recursive: true, force: true }));

/** Metric names the controllers register (`name: 'weft_…'` in their sources), and the process ones. */
async function exportedMetrics(): Promise<Set<string>> {
  const names = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        for (const match of (await readFile(path, 'utf8')).matchAll(
          /name: '((?:weft|process|nodejs)_[a-z_]+)'/g,
        ))
          names.add(match[1] ?? '');
      }
    }
  };
  for (const pkg of ['runtime', 'source-controller', 'kustomize-controller', 'notification-controller'])
    await walk(join(packagesDir, pkg, 'src'));
  return names;
}

describe('monitoring', () => {
  it('promtool accepts the alert rules', async () => {
    const file = join(scratch, 'rules.yaml');
    await writeFile(file, stringify({ groups: alertRules }));
    const { stdout } = await run('promtool', ['check', 'rules', file]);
    assert.match(stdout, /SUCCESS: 3 rules found/);
  });

  it('an object not Ready for 10 minutes fires WeftReconciliationFailure; a Ready one does not', async () => {
    await writeFile(join(scratch, 'rules.yaml'), stringify({ groups: alertRules }));
    const series = (name: string, ready: string) => [
      {
        series: `weft_reconcile_condition{kind="Kustomization",namespace="apps",name="${name}",type="Ready",status="False"}`,
        values: ready,
      },
    ];
    const test = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [...series('broken', '1x15'), ...series('fine', '0x15')],
          alert_rule_test: [
            {
              eval_time: '12m',
              alertname: 'WeftReconciliationFailure',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'warning',
                    kind: 'Kustomization',
                    namespace: 'apps',
                    name: 'broken',
                  },
                  exp_annotations: {
                    summary: 'Kustomization apps/broken has not been Ready for 10 minutes.',
                    description:
                      'kubectl describe shows why: the Ready condition of Kustomization apps/broken says what is wrong.',
                  },
                },
              ],
            },
            { eval_time: '5m', alertname: 'WeftReconciliationFailure', exp_alerts: [] },
          ],
        },
      ],
    };
    await writeFile(join(scratch, 'test.yaml'), stringify(test));
    const { stdout } = await run('promtool', ['test', 'rules', join(scratch, 'test.yaml')]);
    assert.match(stdout, /SUCCESS/);
  });

  it('the rules and the dashboard query only metrics weft exports', async () => {
    const exported = await exportedMetrics();
    const expressions = [
      ...dashboardExpressions(),
      ...alertRules.flatMap((group) => group.rules.map((r) => r.expr)),
    ];
    for (const expr of expressions) {
      const used = [...expr.matchAll(/\b((?:weft|process|nodejs)_[a-z_]+?)(?:_bucket)?\b(?=[{[\s)]|$)/g)].map(
        (m) => m[1],
      );
      assert.ok(used.length > 0, expr);
      for (const name of used)
        assert.ok(exported.has(name ?? ''), `${name} (in ${expr}) is not a metric weft exports`);
    }
  });
});
