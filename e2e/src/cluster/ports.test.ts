import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { freePort } from './ports.ts';

test('freePort hands out distinct ports below the ephemeral range, each one bindable', async () => {
  const ephemeralStart = Number(
    readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
  );
  const ports = await Promise.all(Array.from({ length: 50 }, freePort));
  assert.equal(new Set(ports).size, ports.length, 'no port handed out twice');
  for (const port of ports)
    assert.ok(
      port >= 10_000 && port < Math.min(ephemeralStart, 30_000),
      `${port} is outside the ephemeral range`,
    );
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ports[0], '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
});
