import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlagError } from '@weft/runtime/manager';
import { parseKustomizeControllerFlags } from './flags.ts';

describe('parseKustomizeControllerFlags', () => {
  it('reads its own flags beside the runtime ones', () => {
    const flags = parseKustomizeControllerFlags(
      [
        '--concurrent=8',
        '--no-cross-namespace-refs',
        '--default-service-account=tenant',
        '--requeue-dependency=5s',
      ],
      {},
    );
    assert.equal(flags.runtime.concurrent, 8);
    assert.equal(flags.noCrossNamespaceRefs, true);
    assert.equal(flags.defaultServiceAccount, 'tenant');
    assert.equal(flags.requeueDependencyMs, 5000);
    assert.equal(flags.strictSubstitution, false);
  });

  it('takes Go boolean syntax and defaults', () => {
    assert.equal(
      parseKustomizeControllerFlags(['--no-cross-namespace-refs=true'], {}).noCrossNamespaceRefs,
      true,
    );
    assert.equal(
      parseKustomizeControllerFlags(['--no-cross-namespace-refs=false'], {}).noCrossNamespaceRefs,
      false,
    );
    const defaults = parseKustomizeControllerFlags([], {});
    assert.equal(defaults.noCrossNamespaceRefs, false);
    assert.equal(defaults.defaultServiceAccount, undefined);
    assert.equal(defaults.requeueDependencyMs, 30_000);
  });

  it('reads the StrictPostBuildSubstitutions feature gate and refuses unknown gates', () => {
    assert.equal(
      parseKustomizeControllerFlags(['--feature-gates=StrictPostBuildSubstitutions=true'], {})
        .strictSubstitution,
      true,
    );
    assert.throws(() => parseKustomizeControllerFlags(['--feature-gates=Nope=true'], {}), FlagError);
  });
});
