import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseIpRange } from '../../../src/authz/ip-range.js';
import { ConnectionLimit } from '../../../src/http/connection-limit.js';
import { closeIfSilent } from '../../../src/http/silent-connection.js';

describe('ConnectionLimit', () => {
  test('admits up to the cap per address, and a closed connection frees its place', () => {
    const limit = new ConnectionLimit(2, []);
    const a = limit.admit('10.0.0.1');
    const b = limit.admit('::ffff:10.0.0.1');
    assert.ok(a && b);
    assert.equal(limit.admit('10.0.0.1'), undefined, 'an IPv4-mapped address counts as the same one');
    assert.ok(limit.admit('10.0.0.2'), 'another address has its own count');
    a();
    a();
    assert.equal(limit.openFrom('10.0.0.1'), 1, 'releasing twice frees one place');
    assert.ok(limit.admit('10.0.0.1'));
    assert.equal(limit.admit('10.0.0.1'), undefined);
  });

  test('trusted proxies are not counted', () => {
    const limit = new ConnectionLimit(1, [parseIpRange('10.1.0.0/16')]);
    for (let i = 0; i < 5; i++) assert.ok(limit.admit('10.1.2.3'));
    assert.equal(limit.openFrom('10.1.2.3'), 0);
    assert.ok(limit.admit('10.2.0.1'));
    assert.equal(limit.admit('10.2.0.1'), undefined);
  });

  test('a socket that has lost its address counts as one unknown address', () => {
    const limit = new ConnectionLimit(1, []);
    assert.ok(limit.admit(undefined));
    assert.equal(limit.admit(undefined), undefined);
  });
});

describe('closeIfSilent', () => {
  test('a connection that sends nothing is closed after the silent time; one that sent a byte is not', async () => {
    const server = createServer((socket) => closeIfSilent(socket, 200));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const open = () =>
      new Promise<{ socket: ReturnType<typeof connect>; closed: () => boolean }>((resolve) => {
        let closed = false;
        const socket = connect({ host: '127.0.0.1', port }, () => resolve({ socket, closed: () => closed }));
        socket.on('error', () => {});
        socket.on('close', () => (closed = true));
      });
    const [silent, talking] = await Promise.all([open(), open()]);
    try {
      talking.socket.write('G');
      const end = Date.now() + 2000;
      while (!silent.closed() && Date.now() < end) await sleep(20);
      assert.equal(silent.closed(), true, 'the silent connection was closed');
      await sleep(200);
      assert.equal(talking.closed(), false);
    } finally {
      silent.socket.destroy();
      talking.socket.destroy();
      server.close();
    }
  });
});
