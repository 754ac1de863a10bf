import assert from 'node:assert/strict';
import { it } from 'node:test';
import { weftControllers } from '@weft/e2e';
import { componentNames } from './components.ts';

it("the e2e harness reads from the generated chart the controllers @weft/api's list names", () => {
  assert.deepEqual([...weftControllers], [...componentNames]);
});
