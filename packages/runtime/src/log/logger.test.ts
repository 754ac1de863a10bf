import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, type LogLevel, reconcileLogger } from '@weft/runtime/log';

function capture(level: LogLevel = 'info') {
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  const logger = createLogger({ level, destination });
  return { logger, lines, raw: () => raw };
}

describe('logger', () => {
  it('writes JSON lines with level names and honours the level flag', () => {
    const { logger, lines } = capture('warn');
    logger.info('hidden');
    logger.warn({ attempt: 2 }, 'shown');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.level, 'warn');
    assert.equal(lines[0]?.msg, 'shown');
    assert.equal(lines[0]?.attempt, 2);
    assert.throws(() => createLogger({ level: 'verbose' as LogLevel }));
  });

  it('gives each reconcile a child logger with the object and a reconcile id', () => {
    const { logger, lines } = capture();
    const child = reconcileLogger(logger, {
      controller: 'source-controller',
      kind: 'GitRepository',
      namespace: 'flux-system',
      name: 'podinfo',
      reconcileID: 'r-1',
    });
    child.info('fetched');
    assert.deepEqual(
      { ...lines[0], time: undefined },
      {
        level: 'info',
        time: undefined,
        controller: 'source-controller',
        kind: 'GitRepository',
        namespace: 'flux-system',
        name: 'podinfo',
        reconcileID: 'r-1',
        msg: 'fetched',
      },
    );
    reconcileLogger(logger, { controller: 'c', kind: 'K', name: 'n' }).info('x');
    assert.equal(typeof lines[1]?.reconcileID, 'string');
    assert.notEqual(lines[1]?.reconcileID, '');
  });

  it('never writes Secret data, tokens, passwords or authorization headers', () => {
    const { logger, raw } = capture('trace');
    const secrets = [
      'c2VjcmV0LWRhdGE=',
      'plain-string-data',
      'tok-123',
      'hunter2',
      'Bearer abc.def',
      'urlpass',
      'deep-pw',
    ];
    logger.info(
      {
        object: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'git-auth' },
          data: { password: secrets[0] },
          stringData: { anything: secrets[1] },
        },
        token: secrets[2],
        auth: { password: secrets[3] },
        req: { headers: { authorization: secrets[4] } },
        url: `https://user:${secrets[5]}@git.example.com/repo.git`,
        nested: { a: { b: { c: { Password: secrets[6] } } } },
      },
      'reconciling',
    );
    logger.child({ token: secrets[2] }).debug('child');
    const output = raw();
    assert.ok(output.includes('reconciling'));
    assert.ok(output.includes('git-auth'), 'non-secret fields stay');
    assert.ok(output.includes('git.example.com'));
    for (const secret of secrets) assert.ok(!output.includes(secret), `leaked ${secret}`);
  });
});
