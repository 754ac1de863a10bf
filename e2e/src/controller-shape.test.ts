/**
 * The house's one controller shape (docs/design/0011-controller-shape.md): every controller
 * package has `src/flags.ts`, an `addXController` in `src/controller.ts`, and the same
 * `src/run.ts` but for its names. Read as text: the point is that a newcomer copying one
 * controller copies the shape.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './toolchain.ts';

const packagesDir = join(repoRoot, 'packages');
const controllers = readdirSync(packagesDir).filter((name) => name.endsWith('-controller'));

/** run.ts with the controller's own names replaced, so that only the shape is left. */
function shapeOf(source: string, controller: string): string {
  return source
    .replaceAll(controller, 'NAME')
    .replace(/\badd\w+Controller\b/g, 'addController')
    .replace(/\bparse\w+Flags\b/g, 'parseFlags');
}

describe('the controller shape', () => {
  it('finds the controllers', () => {
    assert.ok(controllers.length >= 5, `controllers: ${controllers.join(', ')}`);
  });

  for (const controller of controllers) {
    it(`${controller} has flags.ts, addXController and run.ts`, () => {
      const src = join(packagesDir, controller, 'src');
      assert.ok(existsSync(join(src, 'flags.ts')), `${controller}/src/flags.ts`);
      assert.match(
        readFileSync(join(src, 'controller.ts'), 'utf8'),
        /export (async )?function add\w+Controller\(\s*manager: Manager,/,
        `${controller}/src/controller.ts exports addXController(manager, options)`,
      );
      assert.match(
        readFileSync(join(src, 'run.ts'), 'utf8'),
        /runController\(argv,/,
        `${controller}/src/run.ts calls the runtime's runController`,
      );
    });
  }

  it('has one run.ts, but for the names', () => {
    const shapes = controllers.map((controller) => ({
      controller,
      shape: shapeOf(readFileSync(join(packagesDir, controller, 'src', 'run.ts'), 'utf8'), controller),
    }));
    const [first, ...rest] = shapes;
    assert.ok(first);
    for (const { controller, shape } of rest) {
      assert.equal(shape, first.shape, `${controller}/src/run.ts differs from ${first.controller}'s`);
    }
  });
});
