import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Output } from './output.ts';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const stream = {
    isTTY,
    text: '',
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
  };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

describe('Output', () => {
  it('prints plain lines when piped: no colour, one line per change', () => {
    const stream = fakeStream(false);
    const output = new Output({ stream, env: {} });
    output.ok('done');
    const board = output.board(['source-controller']);
    board.set('source-controller', '0/1 ready');
    board.set('source-controller', '0/1 ready');
    board.set('source-controller', '1/1 ready', 'ok');
    board.stop();
    assert.equal(stream.text, '✔ done\n  source-controller: 0/1 ready\n✔ source-controller: 1/1 ready\n');
  });

  it('colours and redraws on a terminal, unless NO_COLOR is set', () => {
    const live = fakeStream(true);
    const output = new Output({ stream: live, env: {} });
    output.fail('broken');
    const board = output.board(['kustomize-controller']);
    board.set('kustomize-controller', '1/1 ready', 'ok');
    board.stop();
    const esc = '\u001b';
    assert.ok(live.text.includes(`${esc}[31m✗${esc}[39m broken`), 'the failure mark is red');
    assert.ok(live.text.includes(`${esc}[1A${esc}[2K`), 'the board redraws its line in place');
    const plain = fakeStream(true);
    new Output({ stream: plain, env: { NO_COLOR: '1' } }).fail('broken');
    assert.equal(plain.text, '✗ broken\n');
  });
});
