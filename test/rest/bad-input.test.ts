import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrap, type ChitChatClient } from '@chitchat/client';
import { StoreUnavailableError } from '../../src/errors.js';
import { MemoryRoomStore } from '../../src/store/memory.js';
import { assertMatchesContract } from '../support/contract.js';
import { onExpressHost } from '../support/express-host.js';
import { errorOf, json, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let api: ChitChatClient;

beforeAll(async () => {
  server = await startTestServer({ bodyLimitBytes: 1024 });
  api = server.client();
  await api.createRoom({ title: 'Existing room', description: 'must survive', visibility: 'private', password: 'long enough' });
});
afterAll(() => server.close());

/** Everything stored, read through the API, to show that bad input changed nothing. */
async function snapshot() {
  const page = unwrap(await api.GET('/chats', { params: { query: { limit: 100 } } }));
  const existing = unwrap(await api.GET('/chats/{roomId}', { params: { path: { roomId: 'Existing room' } } }));
  return { page, existing };
}

/** A request over a raw socket, for what fetch refuses to send. */
function rawRequest(method: string, path: string, headers: Record<string, string>, body?: string | Buffer) {
  return new Promise<Response>((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers: res.headers as Record<string, string> })),
      );
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A raw request whose answer is checked against the contract, as the test server's own requests are. */
async function checkedRawRequest(method: string, path: string, headers: Record<string, string>, body?: string | Buffer) {
  const response = await rawRequest(method, path, headers, body);
  await assertMatchesContract(method, `${server.url}${path}`, response);
  return response;
}

/** `send` is refused 415 with code 604 on `field`, and changes nothing stored. */
async function expectUnsupportedMediaType(send: () => Promise<Response>, field: 'Content-Type' | 'Content-Encoding') {
  const before = await snapshot();
  const response = await send();
  expect(response.status).toBe(415);
  expect(await errorOf(response)).toEqual({ code: 604, error: 'Request error: Unsupported media type', field });
  expect(await snapshot()).toEqual(before);
}

describe('bad request bodies get a documented 4xx and change nothing', () => {
  it.each([
    ['malformed JSON', 103, '{"title": "x",'],
    ['a JSON string', 103, '"just a string"'],
    ['a JSON array', 103, '[{"title":"Array room","visibility":"public"}]'],
    ['null', 103, 'null'],
    ['an empty body', 103, ''],
    ['a title that is an object', 103, '{"title":{"$gt":""},"visibility":"public"}'],
  ])('%s: 400 code %i', async (_case, code, body) => {
    const before = await snapshot();
    const response = await server.requestDirect('POST', '/chats', { headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe(code);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['multipart/form-data; boundary=x', '--x--'],
    ['application/xml', '<room/>'],
  ])('a %s body: 415 code 604 on Content-Type', async (type, body) => {
    await expectUnsupportedMediaType(() => server.request('POST', '/chats', { headers: { 'content-type': type }, body }), 'Content-Type');
  });

  it.each([
    ['text/plain;charset=UTF-8', 'a bare fetch with a string body'],
    ['application/x-www-form-urlencoded; charset=UTF-8', "jQuery's $.post with a JSON string"],
  ])('reads a JSON text sent as %s (%s), and its errors as JSON errors', async (type, why) => {
    const created = await server.request('POST', '/chats', { headers: { 'content-type': type }, body: JSON.stringify({ title: `Text: ${why}`, visibility: 'public' }) });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ title: `Text: ${why}`, visibility: 'public' });
    // As JSON, whatever characters it holds (a tool reading it as a form would split it at & and =).
    const ampersand = await server.requestDirect('POST', '/chats', { headers: { 'content-type': type }, body: JSON.stringify({ title: `Q&A=${why}`, visibility: 'public' }) });
    expect(await ampersand.json()).toMatchObject({ title: `Q&A=${why}` });
    const before = await snapshot();
    const invalid = await server.request('POST', '/chats', { headers: { 'content-type': type }, body: JSON.stringify({ title: 'x', visibility: 'public' }) });
    expect(invalid.status).toBe(400);
    expect(await errorOf(invalid)).toMatchObject({ code: 105, field: 'title' });
    expect(await snapshot()).toEqual(before);
  });

  it('reads a text/plain body that is not JSON as malformed JSON: 400 code 103', async () => {
    const before = await snapshot();
    const response = await server.requestDirect('POST', '/chats', { headers: { 'content-type': 'text/plain' }, body: 'title: My room' });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe(103);
    expect(await snapshot()).toEqual(before);
  });

  it('reads a form-urlencoded body that is not JSON as form fields, checked like JSON', async () => {
    const created = await server.request('POST', '/chats', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'title=Form+room&visibility=private&password=form+password' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ title: 'Form room', visibility: 'private' });
    const missing = await server.request('POST', '/chats', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'visibility=public' });
    expect(missing.status).toBe(400);
    expect(await errorOf(missing)).toMatchObject({ code: 105, field: 'title' });
  });

  it('a JSON body sent with a JSON type other than application/json, or with a charset, is read', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json']) {
      const response = await server.requestDirect('POST', '/chats', { headers: { 'content-type': type }, body: JSON.stringify({ title: `Typed ${type}`, visibility: 'public' }) });
      expect(response.status).toBe(201);
    }
  });

  it.each([['gzip'], ['br'], ['deflate']])('a %s-compressed body: 415 code 604 on Content-Encoding', async (encoding) => {
    const compressed = Buffer.from([0x1f, 0x8b, 1, 2, 3]);
    await expectUnsupportedMediaType(() => checkedRawRequest('POST', '/chats', { 'content-type': 'application/json', 'content-encoding': encoding }, compressed), 'Content-Encoding');
  });

  it.each([
    ['application/json; charset=iso-8859-1', 'a JSON type with a charset that is not UTF'],
    ['application/json; charset=utf-bogus', 'a JSON type with a charset nobody knows'],
    ['text/plain; charset=bogus', 'a JSON text type with a charset nobody knows'],
  ])('%s (%s): 415 code 604 on Content-Type', async (type) => {
    const body = JSON.stringify({ title: 'Charset room', visibility: 'public' });
    await expectUnsupportedMediaType(() => checkedRawRequest('POST', '/chats', { 'content-type': type }, body), 'Content-Type');
  });

  it.each([
    ['application/json; charset=utf-16le', 'utf16le'],
    ['text/plain; charset=iso-8859-1', 'latin1'],
  ] as const)('a body in the charset its %s names is decoded in it', async (type, encoding) => {
    const title = `Decoded from ${encoding}`;
    const response = await rawRequest('POST', '/chats', { 'content-type': type }, Buffer.from(JSON.stringify({ title, visibility: 'public' }), encoding));
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ title });
  });

  it('an empty Content-Encoding is no coding, as a missing one', async () => {
    const response = await rawRequest('POST', '/chats', { 'content-type': 'application/json', 'content-encoding': '' }, JSON.stringify({ title: 'Uncoded room', visibility: 'public' }));
    expect(response.status).toBe(201);
  });

  it('a UTF-8 byte order mark before the JSON is not part of it', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ title: 'Marked room', visibility: 'public' }))]);
    const response = await rawRequest('POST', '/chats', { 'content-type': 'application/json' }, body);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ title: 'Marked room' });
  });

  it.each([['application/json'], ['text/plain'], ['application/x-www-form-urlencoded']])(
    'an empty %s body is no body however it is framed: 400 code 103, chunked as with Content-Length: 0, and a lone byte order mark too',
    async (type) => {
      const before = await snapshot();
      const framings: Record<string, string>[] = [{ 'content-length': '0' }, { 'transfer-encoding': 'chunked' }, { 'content-length': '3' }];
      for (const framing of framings) {
        // The last: a body of only a UTF-8 byte order mark, which is no text either.
        const body = framing['content-length'] === '3' ? Buffer.from([0xef, 0xbb, 0xbf]) : '';
        const response = await rawRequest('POST', '/chats', { 'content-type': type, ...framing }, body);
        expect(response.status, JSON.stringify(framing)).toBe(400);
        expect((await errorOf(response)).code, JSON.stringify(framing)).toBe(103);
      }
      expect(await snapshot()).toEqual(before);
    },
  );

  it('a body over the limit: 413 code 603, also when sent chunked', async () => {
    const before = await snapshot();
    const big = JSON.stringify({ title: 'Big room', visibility: 'public', description: 'x'.repeat(5000) });
    const response = await server.request('POST', '/chats', json(JSON.parse(big)));
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe(603);
    const chunked = await checkedRawRequest('PUT', '/chats/Existing%20room', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, big);
    expect(chunked.status).toBe(413);
    expect(await snapshot()).toEqual(before);
  });

  it('a body sent in many small chunks is read whole (ChitChat lost such bodies)', async () => {
    const body = JSON.stringify({ title: 'Chunked room', description: 'sent in pieces', visibility: 'public' });
    const response = await new Promise<Response>((resolve, reject) => {
      const req = httpRequest(`${server.url}/chats`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers: res.headers as Record<string, string> })));
      });
      req.on('error', reject);
      let i = 0;
      const next = () => {
        if (i >= body.length) return req.end();
        req.write(body.slice(i, (i += 7)));
        setTimeout(next, 2);
      };
      next();
    });
    await assertMatchesContract('POST', `${server.url}/chats`, response);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ title: 'Chunked room', description: 'sent in pieces' });
  });

  it('a PUT on a private room: without a token 403 whatever the body; with one, bad bodies get 400; the room stays as it was', async () => {
    const before = await snapshot();
    const bodies = ['{', '{"title":1,"visibility":"public"}', '{"title":"ok title","visibility":"nope"}'];
    for (const body of bodies) {
      const response = await server.requestDirect('PUT', '/chats/Existing%20room', { headers: { 'content-type': 'application/json' }, body });
      expect(response.status).toBe(403);
    }
    const token = (await server.client().authorize('Existing room', 'long enough', 'owner'))!.token;
    for (const body of bodies) {
      const response = await server.requestDirect('PUT', '/chats/Existing%20room', {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      expect(response.status).toBe(400);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('a password longer than bcrypt reads (72 bytes) is refused, not silently cut', async () => {
    const before = await snapshot();
    const response = await server.request('POST', '/chats', json({ title: 'Long pw', visibility: 'private', password: 'é'.repeat(37) }));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 105, field: 'password' });
    expect(await snapshot()).toEqual(before);
    const room = await api.createRoom({ title: 'Exact pw', visibility: 'private', password: 'é'.repeat(36) });
    const longer = await api.POST('/chats/{roomId}/token', { params: { path: { roomId: String(room.id) } }, body: { secret: `${'é'.repeat(36)}zzzz`, name: 'x' } });
    expect(longer.response.status).toBe(401);
    expect(longer.error).toMatchObject({ error: { code: 304 } });
  });
});

describe('bad paths, methods and headers', () => {
  it("an unknown route: 404 code 601; mounted in a host app, the host's own 404", async () => {
    for (const path of ['/nope', '/chats/1/nope', '/chats/1/token/renew/extra']) {
      if (onExpressHost()) {
        const response = await fetch(`${server.url}${path}`);
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({ host: 'not found' });
        continue;
      }
      const response = await server.request('GET', path);
      expect(response.status).toBe(404);
      expect(await errorOf(response)).toEqual({ code: 601, error: 'Request error: Route not found' });
    }
  });

  it('a wrong method: 405 code 602 with Allow', async () => {
    const response = await server.request('PATCH', '/chats/1', json({}));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, PUT, DELETE');
    expect(await errorOf(response)).toEqual({ code: 602, error: 'Request error: Method not allowed' });
    const onCollection = await server.request('DELETE', '/chats');
    expect(onCollection.status).toBe(405);
    expect(onCollection.headers.get('allow')).toBe('GET, POST');
  });

  it('a path segment that is neither an id nor a title: 404 code 101', async () => {
    for (const roomId of ['-1', '1.5', 'no title like this', '%F0%9F%98%80%F0%9F%98%80']) {
      const response = await server.request('GET', `/chats/${roomId}`);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).code).toBe(101);
    }
  });

  it('a path that is not valid percent-encoding: 404 with code 101 under /chats, 601 elsewhere', async () => {
    const paths: [string, number][] = [['/chats/%E0%A4%A', 101], ['/chats/%', 101], ['/chats/%ZZ/token', 101]];
    if (!onExpressHost()) paths.push(['/%ZZ', 601]);
    for (const [path, code] of paths) {
      const response = await rawRequest('GET', path, {});
      await assertMatchesContract('GET', `${server.url}/chats/x`, response.clone());
      expect(response.status, path).toBe(404);
      expect((await errorOf(response)).code, path).toBe(code);
    }
  });

  it('HEAD is answered like GET, without a body', async () => {
    const response = await rawRequest('HEAD', '/health', {});
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });

  it('an unknown query parameter on /health: 400 code 105', async () => {
    const response = await server.request('GET', '/health?verbose=1');
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 105, field: 'verbose' });
  });

  // Node refuses it before any handler runs: on a host's server, the host's clientError listener answers.
  it.skipIf(onExpressHost())('a huge path: 431 code 606 with the JSON body, and the server keeps serving', async () => {
    const response = await rawRequest('GET', `/chats/${'x'.repeat(70_000)}`, {});
    expect(response.status).toBe(431);
    expect(await errorOf(response)).toEqual({ code: 606, error: 'Request error: Header fields too large' });
    expect((await api.GET('/health')).response.status).toBe(200);
  });
});

describe('rate limit', () => {
  it('answers past the limit with 429 code 605 and Retry-After, per client', async () => {
    const limited = await startTestServer({ rateLimit: 3, rateLimitWindowMs: 60_000 });
    try {
      const client = limited.client();
      for (let i = 0; i < 3; i++) expect((await client.GET('/chats')).response.status).toBe(200);
      const { response, error } = await client.GET('/chats/{roomId}', { params: { path: { roomId: '1' } } });
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(error).toEqual({ status: false, error: { code: 605, error: 'Request error: Too many requests' } });
      // Health checks are not rate limited.
      expect((await client.GET('/health')).response.status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('store failures', () => {
  class FailingStore extends MemoryRoomStore {
    failure: Error | null = null;
    override async get(id: number) {
      if (this.failure) throw this.failure;
      return super.get(id);
    }
    override async ping() {
      if (this.failure) throw this.failure;
    }
  }

  it('an unavailable store: 503 code 701 on the API and on /health; a broken one: 500 code 702', async () => {
    const store = new FailingStore();
    const failing = await startTestServer({}, { engines: { rooms: store } });
    try {
      const client = failing.client();
      expect((await client.GET('/health')).response.status).toBe(200);
      store.failure = new StoreUnavailableError(new Error('connection refused'));
      for (const call of [client.GET('/health'), client.GET('/chats/{roomId}', { params: { path: { roomId: '1' } } })]) {
        const { response, error } = await call;
        expect(response.status).toBe(503);
        expect(error).toEqual({ status: false, error: { code: 701, error: 'Server error: Store unavailable' } });
      }
      store.failure = new Error('bug: something unexpected');
      const { response, error } = await client.GET('/chats/{roomId}', { params: { path: { roomId: '1' } } });
      expect(response.status).toBe(500);
      expect(error).toEqual({ status: false, error: { code: 702, error: 'Server error: Internal error' } });
      store.failure = null;
      expect(unwrap(await client.GET('/chats/{roomId}', { params: { path: { roomId: '1' } } })).id).toBe(1);
    } finally {
      await failing.close();
    }
  });
});
