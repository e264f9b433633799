import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSocket, wsUrl } from '../support/chat.js';
import { errorOf, json, startTestServer, type TestServer } from '../support/server.js';

/**
 * Titles and user names that only look like others: invisible characters, bidirectional overrides,
 * spaces at either end, what invalid UTF-8 becomes, lone surrogates. Each is refused (105 on REST, 303
 * on the chat socket), so that a room or a chatter cannot pass for another.
 */
const LOOK_ALIKES = {
  'a zero-width space': 'Secret A\u200b',
  'a zero-width joiner': 'Secret\u200dA',
  'a trailing space': 'Secret A ',
  'a leading space': ' Secret A',
  'a right-to-left override': '\u202eA terceS',
  'a byte order mark': 'Secret\ufeffA',
  'a bidi isolate': 'Secret \u2066A\u2069',
  'a soft hyphen': 'Sec\u00adret A',
  'U+FFFD': 'Secret \ufffd',
  'a lone surrogate': 'Secret \ud800A',
  'a C1 control': 'Secret\u0085A',
};

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('look-alike titles', () => {
  it('accepts the plain title once', async () => {
    expect((await server.request('POST', '/chats', json({ title: 'Secret A', visibility: 'public' }))).status).toBe(201);
  });

  it.each(Object.entries(LOOK_ALIKES))('refuses a title with %s: 105 on title', async (_what, title) => {
    const response = await server.requestDirect('POST', '/chats', json({ title, visibility: 'public' }));
    expect([response.status, await errorOf(response)]).toEqual([400, { code: 105, error: 'Room error: Invalid content', field: 'title' }]);
  });

  it('refuses a title whose UTF-8 is invalid instead of storing U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"title":"Broken '), Buffer.from([0xff, 0xfe]), Buffer.from('","visibility":"public"}')]);
    const response = await fetch(`${server.url}/chats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect([response.status, (await errorOf(response)).code]).toEqual([400, 105]);
    expect((await fetch(`${server.url}/chats/${encodeURIComponent('Broken \ufffd\ufffd')}`)).status).toBe(404);
  });
});

describe('look-alike user names', () => {
  it.each(Object.entries(LOOK_ALIKES))('refuses a token for a name with %s: 105 on name', async (_what, name) => {
    const room = await server.client().createRoom({ title: `Names ${Math.random().toString(36).slice(2, 8)}`, visibility: 'private', password: 'long enough' });
    const response = await server.requestDirect('POST', `/chats/${room.id}/token`, json({ secret: 'long enough', name }));
    expect([response.status, (await errorOf(response)).field]).toEqual([400, 'name']);
  });

  it('refuses to join the chat under such a name: error 303 on name', async () => {
    const socket = await TestSocket.open(wsUrl(server.url, 1));
    for (const name of Object.values(LOOK_ALIKES)) {
      socket.send({ event_type: 'join', name });
      expect((await socket.nextError()).error).toMatchObject({ code: 303, field: 'name' });
    }
    socket.send({ event_type: 'join', name: 'Plain' });
    await socket.next((e) => e.event_type === 'join' && e.name === 'Plain');
    await socket.close();
  });
});
