import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IgnoreRules } from './rules.ts';

function rules(text: string): IgnoreRules {
  return new IgnoreRules(text);
}

describe('gitignore patterns', () => {
  it('matches a name at any depth when the pattern has no slash', () => {
    const r = rules('*.log\nbuild');
    assert.equal(r.excludes('a.log', false), true);
    assert.equal(r.excludes('x/y/a.log', false), true);
    assert.equal(r.excludes('x/build', true), true);
    assert.equal(r.excludes('x/build.yaml', false), false);
  });

  it('anchors patterns with a leading or middle slash', () => {
    const r = rules('/root.yaml\ndocs/*.md');
    assert.equal(r.excludes('root.yaml', false), true);
    assert.equal(r.excludes('sub/root.yaml', false), false);
    assert.equal(r.excludes('docs/a.md', false), true);
    assert.equal(r.excludes('x/docs/a.md', false), false);
    assert.equal(r.excludes('docs/sub/a.md', false), false);
  });

  it('applies dir-only patterns to directories only', () => {
    const r = rules('cache/');
    assert.equal(r.excludes('cache', true), true);
    assert.equal(r.excludes('a/cache', true), true);
    assert.equal(r.excludes('cache', false), false);
  });

  it('handles ** at the start, middle and end', () => {
    const r = rules('**/secret.yaml\na/**/z.yaml\nvendor/**');
    assert.equal(r.excludes('secret.yaml', false), true);
    assert.equal(r.excludes('p/q/secret.yaml', false), true);
    assert.equal(r.excludes('a/z.yaml', false), true);
    assert.equal(r.excludes('a/b/c/z.yaml', false), true);
    assert.equal(r.excludes('b/a/z.yaml', false), false);
    assert.equal(r.excludes('vendor/x/y', false), true);
    assert.equal(r.excludes('vendor', true), false);
  });

  it('re-includes with ! and lets the last match win', () => {
    const r = rules('*.yaml\n!keep.yaml');
    assert.equal(r.excludes('drop.yaml', false), true);
    assert.equal(r.excludes('d/keep.yaml', false), false);
    const reversed = rules('!keep.yaml\n*.yaml');
    assert.equal(reversed.excludes('keep.yaml', false), true);
  });

  it('excludes the contents of an excluded directory even with a negation (git rule)', () => {
    const r = rules('build/\n!build/keep.yaml');
    assert.equal(r.ignores('build/keep.yaml', false), true);
    assert.equal(r.ignores('src/keep.yaml', false), false);
  });

  it('supports ?, character classes, escapes, comments and trailing spaces', () => {
    const r = rules('# comment\nfile?.txt\n[ab]*.cfg\n[!x]y.md\n\\#hash\n\\!bang\ntrail   ');
    assert.equal(r.excludes('file1.txt', false), true);
    assert.equal(r.excludes('file12.txt', false), false);
    assert.equal(r.excludes('apple.cfg', false), true);
    assert.equal(r.excludes('cherry.cfg', false), false);
    assert.equal(r.excludes('zy.md', false), true);
    assert.equal(r.excludes('xy.md', false), false);
    assert.equal(r.excludes('#hash', false), true);
    assert.equal(r.excludes('!bang', false), true);
    assert.equal(r.excludes('trail', false), true);
    assert.equal(r.excludes('# comment', false), false);
    assert.equal(rules('   \n# x').excludes('x', false), false);
  });

  it('does not let * cross a slash', () => {
    const r = rules('a/*.yaml');
    assert.equal(r.excludes('a/b/c.yaml', false), false);
  });

  it('scopes .sourceignore patterns to their directory', () => {
    const r = new IgnoreRules('');
    r.addSourceIgnore('*.tmp\n/only-here.yaml', 'apps');
    assert.equal(r.excludes('apps/x.tmp', false), true);
    assert.equal(r.excludes('apps/deep/x.tmp', false), true);
    assert.equal(r.excludes('x.tmp', false), false);
    assert.equal(r.excludes('apps/only-here.yaml', false), true);
    assert.equal(r.excludes('apps/sub/only-here.yaml', false), false);
  });
});

describe('default and spec.ignore rules', () => {
  it('leaves out VCS files, CI configs, images and archives by default', () => {
    const r = new IgnoreRules(undefined);
    for (const [path, isDir] of [
      ['.git', true],
      ['.gitignore', false],
      ['.github', true],
      ['sub/.circleci', true],
      ['.travis.yml', false],
      ['logo.png', false],
      ['a/b.tar.gz', false],
      ['x/.sops.yaml', false],
    ] as const) {
      assert.equal(r.excludes(path, isDir), true, path);
    }
    assert.equal(r.excludes('deploy/app.yaml', false), false);
    assert.equal(r.excludes('.sourceignore', false), false);
  });

  it('replaces the defaults with spec.ignore but keeps the VCS list', () => {
    const r = new IgnoreRules('*.yaml\n');
    assert.equal(r.excludes('logo.png', false), false);
    assert.equal(r.excludes('.github', true), false);
    assert.equal(r.excludes('a.yaml', false), true);
    assert.equal(r.excludes('.git', true), true);
  });

  it('lets .sourceignore add to the defaults and spec.ignore overrule .sourceignore', () => {
    const withDefaults = new IgnoreRules(undefined);
    withDefaults.addSourceIgnore('!logo.png\n*.md', '');
    assert.equal(withDefaults.excludes('logo.png', false), false);
    assert.equal(withDefaults.excludes('README.md', false), true);
    const withSpec = new IgnoreRules('!README.md');
    withSpec.addSourceIgnore('*.md', '');
    assert.equal(withSpec.excludes('README.md', false), false);
    assert.equal(withSpec.excludes('other.md', false), true);
  });
});
