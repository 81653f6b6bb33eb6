import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFileServer, type FileServer } from '../../helpers/server.js';

interface Client {
  readonly socket: Socket;
  closed: boolean;
}

/** Opens `count` idle TCP connections to the server from `from` (any of 127.0.0.0/8 is loopback on Linux). */
async function openIdle(port: number, from: string, count: number): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: count }, () => new Promise<Client>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: from });
      const client: Client = { socket, closed: false };
      socket.on('close', () => (client.closed = true));
      // A connection the server closes at once may be reset.
      socket.on('error', () => {});
      socket.once('connect', () => resolve(client));
      socket.once('error', (err) => (client.closed ? resolve(client) : reject(err)));
    })),
  );
}

async function eventually(check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms`);
    await sleep(20);
  }
}

function openConnections(server: FileServer): Promise<number> {
  return new Promise((resolve, reject) => server.server.getConnections((err, count) => (err ? reject(err) : resolve(count))));
}

async function metric(server: FileServer, line: RegExp): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const match = text.split('\n').find((l) => line.test(l));
  return match === undefined ? 0 : Number(match.split(' ').at(-1));
}

const closedCount = (clients: readonly Client[]) => clients.filter((c) => c.closed).length;

describe('connection caps (PURSER_MAX_CONNECTIONS_PER_IP, PURSER_MAX_CONNECTIONS)', () => {
  test('two addresses holding idle connections do not stop another client being served', async () => {
    const server = await startFileServer({ env: { PURSER_MAX_CONNECTIONS_PER_IP: '20' } });
    const clients: Client[] = [];
    try {
      clients.push(...(await openIdle(server.port, '127.0.0.2', 60)), ...(await openIdle(server.port, '127.0.0.3', 60)));
      const [second, third] = [clients.slice(0, 60), clients.slice(60)];
      await eventually(() => closedCount(second) === 40 && closedCount(third) === 40);

      const started = Date.now();
      const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2000) });
      assert.equal(res.status, 200);
      assert.ok(Date.now() - started < 1000, 'answered quickly');

      // The server closed exactly the extra ones and keeps the first 20 of each address.
      await sleep(200);
      assert.equal(closedCount(second), 40);
      assert.equal(closedCount(third), 40);
      assert.equal(await metric(server, /^purser_connections_refused_total\{reason="per_address"\} /), 80);
      assert.ok((await metric(server, /^purser_open_connections /)) >= 40);
    } finally {
      for (const client of clients) client.socket.destroy();
      await server.stop();
    }
  });

  test('a trusted proxy is not capped per address: every client arrives from it', async () => {
    const server = await startFileServer({ env: { PURSER_MAX_CONNECTIONS_PER_IP: '5', PURSER_TRUSTED_PROXIES: '127.0.0.4' } });
    const clients: Client[] = [];
    try {
      const proxy = await openIdle(server.port, '127.0.0.4', 15);
      const other = await openIdle(server.port, '127.0.0.5', 15);
      clients.push(...proxy, ...other);
      await eventually(() => closedCount(other) === 10);
      await sleep(200);
      assert.equal(closedCount(proxy), 0);
    } finally {
      for (const client of clients) client.socket.destroy();
      await server.stop();
    }
  });

  test('past the total cap a connection is closed at once, and counted', async () => {
    const server = await startFileServer({ env: { PURSER_MAX_CONNECTIONS: '10' } });
    assert.equal(server.server.maxConnections, 10);
    const clients: Client[] = [];
    try {
      clients.push(...(await openIdle(server.port, '127.0.0.2', 10)));
      await eventually(async () => (await openConnections(server)) === 10);
      const [late] = await openIdle(server.port, '127.0.0.3', 1);
      await eventually(() => late?.closed === true);
      assert.equal(closedCount(clients), 0);

      for (const client of clients) client.socket.destroy();
      await eventually(async () => (await openConnections(server)) === 0);
      assert.equal(await metric(server, /^purser_connections_refused_total\{reason="total"\} /), 1);
    } finally {
      for (const client of clients) client.socket.destroy();
      await server.stop();
    }
  });

  test('refused connections leave the open count as it was', async () => {
    const server = await startFileServer({ env: { PURSER_MAX_CONNECTIONS_PER_IP: '3' } });
    const clients: Client[] = [];
    try {
      clients.push(...(await openIdle(server.port, '127.0.0.2', 8)));
      await eventually(() => closedCount(clients) === 5);
      for (const client of clients) client.socket.destroy();
      await eventually(async () => (await openConnections(server)) === 0);
      // A fresh burst from the same address gets its 3 places back.
      const again = await openIdle(server.port, '127.0.0.2', 4);
      clients.push(...again);
      await eventually(() => closedCount(again) === 1);
      await sleep(100);
      assert.equal(closedCount(again), 1);
    } finally {
      for (const client of clients) client.socket.destroy();
      await server.stop();
    }
  });
});

// Concurrently: two of these wait for the server's own timers.
describe('timeouts', { concurrency: true }, () => {
  test('the HTTP timeouts are set', async () => {
    const server = await startFileServer();
    try {
      assert.equal(server.server.headersTimeout, 10_000);
      assert.equal(server.server.requestTimeout, 30_000);
      assert.equal(server.server.keepAliveTimeout, 5_000);
      assert.equal(server.server.maxConnections, 10_000);
    } finally {
      await server.stop();
    }
  });

  test('an idle keep-alive connection is closed after keepAliveTimeout', async () => {
    const server = await startFileServer();
    const socket = connect({ host: '127.0.0.1', port: server.port });
    try {
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
      socket.write('GET /healthz HTTP/1.1\r\nHost: purser\r\n\r\n');
      await eventually(() => answer.includes('"status":"ok"'));
      const answered = Date.now();
      const after = (await closed) - answered;
      assert.ok(after >= 4500 && after < 7000, `closed ${after} ms after the answer`);
    } finally {
      socket.destroy();
      await server.stop();
    }
  });

  test('a connection that never sends a byte is closed after headersTimeout, and counted', async () => {
    // Node's own headersTimeout starts with the first byte, so without closeIfSilent this one stays.
    const server = await startFileServer();
    const [silent] = await openIdle(server.port, '127.0.0.2', 1);
    try {
      const opened = Date.now();
      await eventually(() => silent?.closed === true, 12_000);
      const after = Date.now() - opened;
      assert.ok(after >= 9500, `closed after ${after} ms`);
      assert.equal(await metric(server, /^purser_connections_refused_total\{reason="silent"\} /), 1);
    } finally {
      silent?.socket.destroy();
      await server.stop();
    }
  });

});
