import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defaultComponents as installDefaults } from '@weft/install';
import { defaultComponents } from './default-components.ts';

it("the CLI's default components are the installation's default components", () => {
  assert.equal(defaultComponents, installDefaults.join(','));
});
