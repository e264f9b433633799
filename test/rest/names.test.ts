import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/contract/document.js';
import { MemoryRoomStore } from '../../src/store/memory.js';
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

  it('refuses a body that is not UTF-8 (103) instead of storing U+FFFD in its place', async () => {
    // Bytes no UTF-8 has, an overlong form, an encoded surrogate, past U+10FFFF, a sequence cut short.
    const broken = [[0xff, 0xfe], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];
    for (const type of ['application/json', 'text/plain']) {
      for (const bytes of broken) {
        const body = Buffer.concat([Buffer.from('{"title":"Broken ok","description":"'), Buffer.from(bytes), Buffer.from('","visibility":"public"}')]);
        const response = await fetch(`${server.url}/chats`, { method: 'POST', headers: { 'content-type': type }, body });
        expect([type, bytes, response.status, (await errorOf(response)).code]).toEqual([type, bytes, 400, 103]);
      }
    }
    expect((await fetch(`${server.url}/chats/${encodeURIComponent('Broken ok')}`)).status).toBe(404);
  });

  it('keeps a U+FFFD the client sent as UTF-8 (EF BF BD) in a description: only undecodable bytes are refused', async () => {
    const body = Buffer.from(JSON.stringify({ title: 'Sent replacement', description: 'what \ufffd stands for', visibility: 'public' }));
    expect(body.includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(true);
    const response = await fetch(`${server.url}/chats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { description: string }).description).toBe('what \ufffd stands for');
  });

  it('refuses a lone surrogate in a description (105), which the stores would keep differently', async () => {
    const response = await server.requestDirect('POST', '/chats', json({ title: 'Lone surrogate', description: 'half \ud83d of a smile', visibility: 'public' }));
    expect([response.status, await errorOf(response)]).toMatchObject([400, { code: 105, field: 'description' }]);
    expect((await server.request('POST', '/chats', json({ title: 'Whole smile', description: 'a whole \ud83d\ude00', visibility: 'public' }))).status).toBe(201);
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
    // Nor a message with a lone surrogate in it.
    socket.send({ event_type: 'send', name: 'Plain', msg: 'half \ud83d of a smile' });
    expect((await socket.nextError()).error).toMatchObject({ code: 303, field: 'msg' });
    await socket.close();
  });
});

describe('folding', () => {
  it("keeps ICU4J's confusables table whole: skeletons outside the BMP as surrogate pairs, none broken", () => {
    const table = JSON.parse(readFileSync(join(projectRoot(), 'generated', 'confusables.json'), 'utf8')) as { skeletons: Record<string, string> };
    const skeletons = Object.values(table.skeletons);
    expect(skeletons.length).toBeGreaterThan(5000);
    expect(skeletons.every((s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s))).toBe(true);
    // U+0279 (ɹ) looks like U+1DF70, outside the BMP; ignorable characters have an empty skeleton.
    expect(table.skeletons['279']).toBe(String.fromCodePoint(0x1df70));
    expect(table.skeletons['200b']).toBe('');
  });

  it('takes titles that only look alike across scripts for one title: 102, as UTS #39 confusables have it', async () => {
    await server.client().createRoom({ title: 'Paypal support', visibility: 'public' });
    for (const title of ['P\u0430yp\u0430l support', '\u0420aypal support', 'Paypal supp\u043ert', 'Payp\u0430\u04cf support']) {
      const response = await server.request('POST', '/chats', json({ title, visibility: 'public' }));
      expect([title, response.status, (await errorOf(response)).code]).toEqual([title, 400, 102]);
    }
    // And it is found under any of them.
    expect((await server.request('GET', `/chats/${encodeURIComponent('P\u0430yp\u0430l support')}`)).status).toBe(200);
  });

  it('refuses a user name that only looks like one present: 202', async () => {
    const room = await server.client().createRoom({ title: 'Look-alike chatters', visibility: 'public' });
    const alice = await TestSocket.open(wsUrl(server.url, room.id));
    alice.send({ event_type: 'join', name: 'alice' });
    await alice.next((e) => e.event_type === 'join' && e.name === 'alice');
    const mallory = await TestSocket.open(wsUrl(server.url, room.id));
    for (const name of ['\u0430lice', 'ALICE', 'al\u0456ce']) {
      mallory.send({ event_type: 'join', name });
      expect((await mallory.nextError()).error).toMatchObject({ code: 202, field: 'name' });
    }
    await Promise.all([alice.close(), mallory.close()]);
  });

  it('takes "Straße" and "STRASSE" for one title, as Unicode case folding does', async () => {
    const room = await server.client().createRoom({ title: 'Große Straße', visibility: 'public' });
    const again = await server.request('POST', '/chats', json({ title: 'GROSSE STRASSE', visibility: 'public' }));
    expect([again.status, await errorOf(again)]).toEqual([400, { code: 102, error: 'Room error: Duplicate room', field: 'title' }]);
    const found = (await (await server.request('GET', `/chats/${encodeURIComponent('grosse strasse')}`)).json()) as { id: number };
    expect(found.id).toBe(room.id);
  });

  it('shows the name a token was issued for, not another that folds like it', async () => {
    const room = await server.client().createRoom({ title: 'Tokens and widths', visibility: 'private', password: 'long enough' });
    const token = (await server.client().authorize(room.id, 'long enough', 'alice'))!.token;
    const watcher = await TestSocket.open(wsUrl(server.url, room.id), { protocols: [token] });
    const socket = await TestSocket.open(wsUrl(server.url, room.id), { protocols: [token] });
    socket.send({ event_type: 'join', name: 'ＡＬＩＣＥ' });
    expect(await watcher.next((e) => e.event_type === 'join')).toMatchObject({ name: 'alice' });
    socket.send({ event_type: 'send', name: 'ＡＬＩＣＥ', msg: 'hi' });
    expect(await watcher.next((e) => e.event_type === 'send')).toMatchObject({ name: 'alice', msg: 'hi' });
    await Promise.all([socket.close(), watcher.close()]);
  });

  it('keys the titles of a store written under the older folding anew when it starts, keeping the first of two that now meet', async () => {
    const store = new MemoryRoomStore();
    const at = new Date().toISOString();
    const old = (title: string) => ({ title, titleKey: title.normalize('NFKC').toLowerCase(), description: '', visibility: 'public' as const, passwordHash: '', createdAt: at, updatedAt: at });
    const older = await store.create(old('Alte Straße'));
    const newer = await store.create(old('ALTE STRASSE'));
    const alone = await store.create(old('Nur Maße'));
    const restarted = await startTestServer({}, { engines: { rooms: store } });
    try {
      const byTitle = async (title: string) => ((await (await fetch(`${restarted.url}/chats/${encodeURIComponent(title)}`)).json()) as { id?: number }).id;
      expect(await byTitle('nur masse')).toBe(alone.id);
      // "ALTE STRASSE" held the key both now fold to: it keeps it; "Alte Straße" keeps its old one.
      expect(await byTitle('Alte Strasse')).toBe(newer.id);
      expect(await byTitle('alte straße')).toBe(newer.id);
      expect(await byTitle(String(older.id))).toBe(older.id);
    } finally {
      await restarted.close();
    }
  });
});
