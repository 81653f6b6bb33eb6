import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { basic, startTestApp, type TestApp } from '../../helpers/app.js';
import { TEST_USERS } from '../../helpers/snapshot.js';

/** Sends raw bytes and returns the status line's code (0 if the connection closed without one). */
function raw(app: TestApp, request: string | Buffer, trailing?: Buffer): Promise<number> {
  const { port } = new URL(app.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.write(request);
    if (trailing) socket.write(trailing, () => socket.end());
    else socket.end();
  });
}

describe('bad input gets a clear 4xx, never a 5xx, and the server keeps serving', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const auth = (query: string, headers: Record<string, string> = {}) => fetch(`${app.url}/auth?${query}`, { headers });
  const post = (body: string, contentType = 'application/x-www-form-urlencoded') =>
    fetch(`${app.url}/auth`, { method: 'POST', headers: { 'Content-Type': contentType }, body });

  const cases: Array<[string, () => Promise<number>, number]> = [
    ['non-UTF-8 percent-encoding', async () => (await auth('service=%C0%AF')).status, 400],
    ['a lone percent sign', async () => (await auth('service=%')).status, 400],
    ['a NUL byte in a value', async () => (await auth('scope=repository:a:pull%00')).status, 400],
    ['a control character in a value', async () => (await auth('service=Docker%1Bregistry')).status, 400],
    ['33 scopes', async () => (await auth(Array.from({ length: 33 }, (_, i) => `scope=repository:r${i}:pull`).join('&'))).status, 400],
    ['a 600-character scope', async () => (await auth(`scope=repository:${'a'.repeat(600)}:pull`)).status, 400],
    ['a huge repeated parameter', async () => (await auth(Array.from({ length: 2000 }, () => 'x=1').join('&'))).status, 400],
    ['a repeated single-valued parameter', async () => (await auth('service=a&service=a')).status, 400],
    ['a Basic header with no colon', async () => (await auth('', { Authorization: `Basic ${Buffer.from('alice').toString('base64')}` })).status, 400],
    ['a Basic header that is not base64', async () => (await auth('', { Authorization: 'Basic !!!' })).status, 400],
    ['a Bearer header', async () => (await auth('', { Authorization: 'Bearer x.y.z' })).status, 400],
    ['a non-UTF-8 user name', async () => (await auth('', { Authorization: `Basic ${Buffer.from([0xc3, 0x28, 0x3a, 0x61]).toString('base64')}` })).status, 400],
    ['a POST body of 100 KiB', async () => (await post(`grant_type=password&x=${'a'.repeat(100 * 1024)}`)).status, 413],
    ['a POST in JSON', async () => (await post('{"grant_type":"password"}', 'application/json')).status, 415],
    ['a POST body that is not UTF-8', async () => raw(app, Buffer.concat([Buffer.from('POST /auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4\r\nConnection: close\r\n\r\n'), Buffer.from([0x61, 0x3d, 0xff, 0xfe])])), 400],
    ['a URL of 20 KiB', async () => raw(app, `GET /auth?service=${'a'.repeat(20 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`), 431],
    ['a 10 MB header', async () => raw(app, 'GET /auth HTTP/1.1\r\nHost: x\r\nX-Big: ', Buffer.alloc(10 * 1024 * 1024, 'a')), 431],
    ['a malformed request line', async () => raw(app, 'GARBAGE\r\n\r\n'), 400],
    ['a path that does not decode', async () => (await fetch(`${app.url}/%E0%A4%A`)).status, 404],
  ];
  for (const [what, send, expected] of cases) {
    test(`${what}: ${expected}`, async () => {
      assert.equal(await send(), expected);
      const ok = await fetch(`${app.url}/auth?service=Docker%20registry&scope=repository:alice/a:pull`, { headers: { Authorization: basic('alice', TEST_USERS.alice) } });
      assert.equal(ok.status, 200, 'the server keeps serving');
    });
  }

  test('no request above produced a 5xx in the audit trail', () => {
    assert.ok(app.audit.length > 10);
    assert.deepEqual(app.audit.filter((e) => e.status >= 500), []);
  });
});
