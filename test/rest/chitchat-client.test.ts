import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSocket, wsUrl } from '../support/chat.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * ChitChat's own browser client (public/js/room.js, index.js and chat.js in DavidSchott/chitchat),
 * replayed call by call as jQuery 3.4 and the browser send them: `$.post(url, JSON.stringify(...), "json")`
 * and `$.ajax({ data: JSON.stringify(...) })` send a JSON string as form-urlencoded, `$.ajaxSetup` adds the
 * bearer token to every later call, and the WebSocket offers the token as its subprotocol. Every call has
 * to succeed as it did on ChitChat, and read as the client reads it.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const XHR = { 'X-Requested-With': 'XMLHttpRequest' };
const JSON_ACCEPT = 'application/json, text/javascript, */*; q=0.01';
const FORM = 'application/x-www-form-urlencoded; charset=UTF-8';

/** The browser as ChitChat's pages drive it: what `$.ajaxSetup` set is sent with every later call. */
class JQuery {
  private setup: Record<string, string> = {};

  ajaxSetup(headers: Record<string, string>) {
    this.setup = { ...this.setup, ...headers };
  }

  /** `$.post(url, data, "json")` */
  post(url: string, data: string) {
    return server.request('POST', encodeURI(url), { headers: { ...XHR, Accept: JSON_ACCEPT, 'Content-Type': FORM, ...this.setup }, body: data });
  }

  /** `$.get(url)`: the browser encodes the spaces of a title in the path. */
  get(url: string) {
    return server.request('GET', encodeURI(url), { headers: { ...XHR, Accept: '*/*', ...this.setup } });
  }

  /** `$.ajax({ url, method, data })` */
  ajax(method: 'PUT' | 'DELETE', url: string, data?: string) {
    const body = data === undefined ? {} : { body: data, headers: { ...XHR, Accept: '*/*', 'Content-Type': FORM, ...this.setup } };
    return server.request(method, encodeURI(url), { headers: { ...XHR, Accept: '*/*', ...this.setup }, ...body });
  }
}

/** chat.js reads every frame as `{ msg, name, color }`, joins on open and sends with the room id it parsed from the URL. */
function chitchatEvent(action: string, user: string, room: string, message = '', color = '') {
  return { event_type: action, name: user, room_id: Number.parseInt(room, 10), color, msg: message };
}

describe("ChitChat's browser client, unchanged", () => {
  it('creates rooms as room.js does, and finds them as validateForm and newRoom do', async () => {
    const $ = new JQuery();
    // validateForm: a title that is free is one whose GET fails.
    expect((await $.get('/chats/Default Chat 1')).ok).toBe(false);
    for (const [title, description, visibility, password] of [
      ['Default Chat 1', 'Another 2nd default chat', 'public', ''],
      ['Title 2 Private 1', 'This is a password-protected secret room!', 'private', '!!123abc'],
      ['Hidden Chat 1', 'super top secret chat... Cool!', 'hidden', 'uber-secret-password'],
    ]) {
      const created = await $.post('/chats', JSON.stringify({ title, description, visibility, password }));
      expect(created.status).toBe(201);
      expect(await created.json()).not.toHaveProperty('error');
      // newRoom: retrieveRoom(title), then on to the room's entrance with room.id.
      const room = (await (await $.get(`/chats/${title}`)).json()) as { id: number; users: unknown[] };
      expect(room).toMatchObject({ title, description, visibility });
      expect(room.id).toBeTypeOf('number');
    }
    // validateForm again: now the GET succeeds, so the title is taken.
    expect((await $.get('/chats/Default Chat 1')).ok).toBe(true);
  });

  it('enters a private room as chat.js does: duplicate check, password, token, then chat over the socket', async () => {
    const $ = new JQuery();
    const created = await $.post('/chats', JSON.stringify({ title: 'Private entrance', description: '', visibility: 'private', password: '!!123abc' }));
    const { id } = (await created.json()) as { id: number };
    const ID = String(id);

    // userExists: the name is free when no user in `users` has it.
    const room = (await (await $.get(`/chats/${ID}`)).json()) as { users: { username: string }[] };
    expect(room.users.map((u) => u.username)).not.toContain('david');
    // checkPassword, wrong first: jQuery's .fail().
    expect((await $.post(`/chats/${ID}/token`, JSON.stringify({ room_id: Number.parseInt(ID, 10), secret: 'wrong', name: 'david' }))).ok).toBe(false);
    const login = await $.post(`/chats/${ID}/token`, JSON.stringify({ room_id: Number.parseInt(ID, 10), secret: '!!123abc', name: 'david' }));
    expect(login.status).toBe(201);
    const data = (await login.json()) as { token?: string; error?: unknown };
    expect(data).not.toHaveProperty('error');
    // storeToken
    const token = data.token!;
    $.ajaxSetup({ Authorization: `Bearer ${token}` });

    // startSession: the token as the subprotocol; the join on open, as sendClientEvent sends it.
    const socket = await TestSocket.open(wsUrl(server.url, ID), { protocols: [token] });
    expect(socket.ws.protocol).toBe(token);
    socket.send(chitchatEvent('join', 'david', ID, '', 'blue'));
    const joined = await socket.next((e) => e.event_type === 'join');
    socket.send(chitchatEvent('send', 'david', ID, 'Hey there!', 'blue'));
    const said = await socket.next((e) => e.event_type === 'send');
    // onmessage: json.msg, json.name, json.color of every frame.
    for (const frame of [joined, said]) expect(frame).toMatchObject({ name: 'david', color: 'blue', msg: expect.any(String) });
    expect(said).toMatchObject({ msg: 'Hey there!' });
    expect(socket.events.filter((e) => e.event_type === 'error')).toEqual([]);

    // With the token set up for every call: putRoom by title. A password in it is a new one, which
    // revokes the tokens (and closes their sockets), as on ChitChat.
    const put = await $.ajax('PUT', '/chats/Private entrance', JSON.stringify({ title: 'Private entrance', description: 'renamed', visibility: 'private', password: 'new password' }));
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ description: 'renamed', visibility: 'private' });
    expect((await socket.closed).code).toBe(4401);
    // deleteRoom by title, with a token for the new password.
    const again = (await (await $.post(`/chats/${ID}/token`, JSON.stringify({ room_id: Number.parseInt(ID, 10), secret: 'new password', name: 'david' }))).json()) as { token: string };
    $.ajaxSetup({ Authorization: `Bearer ${again.token}` });
    const deleted = await $.ajax('DELETE', '/chats/Private entrance');
    expect(await deleted.json()).toEqual({ status: true });
  });

  it('enters a public room: checkPassword resolves without a token, and the socket opens without one', async () => {
    const $ = new JQuery();
    const ID = '1';
    const login = await $.post(`/chats/${ID}/token`, JSON.stringify({ room_id: 1, secret: '', name: 'alexa' }));
    expect(login.status).toBe(200);
    expect(await login.json()).toEqual({ status: true });
    const socket = await TestSocket.open(wsUrl(server.url, ID));
    socket.send(chitchatEvent('join', 'alexa', ID, '', 'turquoise'));
    await socket.next((e) => e.event_type === 'join' && e.name === 'alexa');
    socket.send(chitchatEvent('send', 'alexa', ID, 'hello, public', 'turquoise'));
    expect(await socket.next((e) => e.event_type === 'send')).toMatchObject({ name: 'alexa', color: 'turquoise', msg: 'hello, public' });
    await socket.close();
  });

  it('joins by title as the URL has it: parseInt gives null as room_id, and that is fine', async () => {
    const socket = await TestSocket.open(wsUrl(server.url, 'Public Chat'));
    socket.send(chitchatEvent('join', 'titled', 'Public Chat'));
    expect(JSON.parse(JSON.stringify(chitchatEvent('join', 'titled', 'Public Chat'))).room_id).toBeNull();
    await socket.next((e) => e.event_type === 'join' && e.name === 'titled');
    await socket.close();
  });
});
