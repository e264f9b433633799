import { existsSync, mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { projectRoot } from '../../src/contract/document.js';
import { startTestServer, type TestConfig } from '../support/server.js';

/**
 * The chat page at / in a real Chromium (Debian's, driven by playwright-core; `make test-browser` installs
 * it), against a real server. Screenshots go to reports/screenshots/, outside git.
 */
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const SHOTS = join(projectRoot(), 'reports', 'screenshots');
const PHONE = { width: 375, height: 740 };

let browser: Browser;
let server: Awaited<ReturnType<typeof serve>>;
/** Every request a page made to another host, and every dialog and script error: all must stay empty. */
const outside: string[] = [];
const problems: string[] = [];
const pages: Page[] = [];
let counter = 0;

async function serve(overrides: TestConfig = {}) {
  const started = await startTestServer({ chat: { ratePerSecond: 1000, rateBurst: 1000, maxPendingFrames: 1000 }, ...overrides });
  // The server's side of every chat socket, so that a test can cut one as a network would.
  const sockets: Socket[] = [];
  started.server.on('upgrade', (_req, socket: Socket) => sockets.push(socket));
  return Object.assign(started, { sockets });
}

async function visitor(base: string, viewport = { width: 1100, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const origin = new URL(base).host;
  page.on('request', (request) => {
    const url = new URL(request.url());
    // data: and blob: URLs are made in the page itself.
    if (url.protocol !== 'data:' && url.protocol !== 'blob:' && url.host !== origin) outside.push(request.url());
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  pages.push(page);
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const messageInput = (page: Page) => page.getByRole('textbox', { name: 'Your message' });
/** The texts of the messages shown, in the order shown, with their seq. */
const shownMessages = (page: Page) =>
  page.$$eval('.messages .message', (items) => items.map((item) => `${item.getAttribute('data-seq')} ${item.querySelector('.text')?.textContent}`));

async function createRoom(page: Page, title: string, visibility: 'public' | 'private' | 'hidden', password?: string) {
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Who can enter').selectOption(visibility);
  if (password !== undefined) await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.waitForURL(/#\/room\/\d+$/);
}

async function enter(page: Page, name: string, password?: string) {
  await page.getByLabel('Your name').fill(name);
  if (password !== undefined) await page.getByLabel('Room password').fill(password);
  await page.getByRole('button', { name: 'Enter the room' }).click();
  await expect.poll(() => page.locator('.connection').textContent()).toBe('Connected.');
}

/** Waits until the page noticed the drop, then until it is back. */
async function reconnected(page: Page) {
  await expect.poll(() => page.locator('.connection').textContent(), { timeout: 10_000 }).toMatch(/reconnecting/);
  await expect.poll(() => page.locator('.connection').textContent(), { timeout: 10_000 }).toBe('Connected.');
}

async function say(page: Page, text: string) {
  await messageInput(page).fill(text);
  await messageInput(page).press('Enter');
}

describe.skipIf(!existsSync(CHROMIUM))('the chat page in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // As root, without Chromium's sandbox; and no calls home, which this machine's network refuses.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    server = await serve();
  }, 60_000);

  afterEach(async () => {
    for (const page of pages.splice(0)) await page.context().close();
    expect(problems.splice(0)).toEqual([]);
    expect(outside.splice(0), 'the page loads nothing from other hosts').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lets two people chat in a private room, a wrong password first; presence follows a departure', async () => {
    const title = `Secret plans ${++counter}`;
    const alice = await visitor(server.url);
    await alice.goto(server.url);
    await createRoom(alice, title, 'private', 'correct horse');
    await shot(alice, 'entrance-after-create');
    // The creator's password is filled in for her.
    await enter(alice, 'alice');

    const bob = await visitor(server.url);
    await bob.goto(`${server.url}/#/room/${encodeURIComponent(title.toUpperCase())}`);
    await bob.getByLabel('Your name').fill('bob');
    await bob.getByLabel('Room password').fill('not the password');
    await bob.getByRole('button', { name: 'Enter the room' }).click();
    await expect.poll(() => bob.locator('.field-error:visible').textContent()).toBe('Wrong password.');
    await expect(bob.getByLabel('Room password').getAttribute('aria-invalid')).resolves.toBe('true');
    await shot(bob, 'entrance-wrong-password');
    await bob.getByLabel('Room password').fill('correct horse');
    await bob.getByRole('button', { name: 'Enter the room' }).click();
    await expect.poll(() => bob.locator('.connection').textContent()).toBe('Connected.');

    await expect.poll(() => alice.locator('.notice').allTextContents()).toContainEqual(expect.stringContaining('bob entered the room.'));
    await expect.poll(() => alice.locator('.users li').allTextContents()).toEqual(['alice (you)', 'bob']);
    await say(alice, 'Hello bob');
    await expect.poll(() => shownMessages(bob)).toEqual(['1 Hello bob']);
    await say(bob, 'Hi alice!');
    await expect.poll(() => shownMessages(alice)).toEqual(['1 Hello bob', '2 Hi alice!']);
    await shot(alice, 'private-room-chat');

    await bob.getByRole('button', { name: 'Leave the room' }).click();
    await expect.poll(() => alice.locator('.notice').allTextContents()).toContainEqual(expect.stringContaining('bob left the room.'));
    await expect.poll(() => alice.locator('.users li').allTextContents()).toEqual(['alice (you)']);
    await expect.poll(() => bob.url()).toMatch(/#\/$/);
  });

  it('shows markup in a title, a name and a message as the text it is', async () => {
    const title = `<img src=x onerror="window.__xss='title'"> ${++counter}`;
    const name = `<script>window.__xss='name'</script>`;
    const msg = `<b>bold</b><img src=x onerror="window.__xss='msg'"><iframe src="javascript:alert(1)"></iframe>`;
    const page = await visitor(server.url);
    await page.goto(server.url);
    await createRoom(page, title, 'public');
    await enter(page, name);
    await say(page, msg);
    await expect.poll(() => shownMessages(page)).toEqual([`1 ${msg}`]);
    await expect(page.locator('h1').textContent()).resolves.toBe(title);
    await expect(page.locator('.users li').allTextContents()).resolves.toEqual([`${name} (you)`]);
    expect(await page.evaluate(() => (window as { __xss?: string }).__xss)).toBeUndefined();
    expect(await page.locator('main img, main script, main iframe, main b').count()).toBe(0);
    await shot(page, 'markup-as-text');
  });

  it('reconnects after the socket is cut mid-chat, with no message missing or shown twice', async () => {
    const page = await visitor(server.url);
    await page.goto(server.url);
    await createRoom(page, `Flaky line ${++counter}`, 'public');
    const roomId = Number(/(\d+)$/.exec(page.url())![1]);
    await enter(page, 'carol');
    const carolsSocket = server.sockets.at(-1)!;

    const friend = new WebSocket(`${server.url.replace('http', 'ws')}/chats/${roomId}/ws`);
    await new Promise((resolve) => friend.once('open', resolve));
    friend.send(JSON.stringify({ event_type: 'join', name: 'dave' }));
    const said = (msg: string) => friend.send(JSON.stringify({ event_type: 'send', name: 'dave', msg }));
    said('before the cut');
    await expect.poll(() => shownMessages(page)).toEqual(['1 before the cut']);

    carolsSocket.destroy(); // no close frame: the network went away
    for (const n of [1, 2, 3]) said(`while away ${n}`);
    await reconnected(page);
    said('after the return');
    await expect
      .poll(() => shownMessages(page), { timeout: 10_000 })
      .toEqual(['1 before the cut', '2 while away 1', '3 while away 2', '4 while away 3', '5 after the return']);
    await shot(page, 'after-reconnect');
    friend.close();
  });

  it('renews the room token, so that a reconnection after its first lifetime still gets in', async () => {
    const shortLived = await serve({ tokenTtlSeconds: 3 });
    try {
      const page = await visitor(shortLived.url);
      await page.goto(shortLived.url);
      await createRoom(page, `Short passes ${++counter}`, 'private', 'pass word');
      await enter(page, 'erin');
      await page.waitForTimeout(4000); // past the first token's expiry: only a renewed one opens a socket now
      shortLived.sockets.at(-1)!.destroy();
      await reconnected(page);
      await say(page, 'still here');
      await expect.poll(() => shownMessages(page)).toEqual(['1 still here']);
    } finally {
      await shortLived.close();
    }
  });

  it('tells the people in a room when another deletes it', async () => {
    // Created through the API, whose answer holds the owner token that deleting a public room needs.
    const created = await fetch(`${server.url}/chats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: `Doomed ${++counter}`, visibility: 'public' }) });
    const { id: roomId, owner_token: ownerToken } = (await created.json()) as { id: number; owner_token: string };
    const page = await visitor(server.url);
    await page.goto(`${server.url}/#/room/${roomId}`);
    await enter(page, 'frank');
    const other = await visitor(server.url);
    await other.goto(server.url);
    const deleting = ([id, token]: [number, string]) => fetch(`chats/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await other.evaluate(deleting, [roomId, ownerToken] as [number, string])).toBe(200);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This room was deleted.');
    await expect(messageInput(page).isVisible()).resolves.toBe(false);
    await shot(page, 'room-deleted');
  });

  it('loads older messages as you scroll up, newest at the bottom', async () => {
    const page = await visitor(server.url);
    await page.goto(server.url);
    await createRoom(page, `Chatty ${++counter}`, 'public');
    const roomId = /(\d+)$/.exec(page.url())![1];
    const writer = new WebSocket(`${server.url.replace('http', 'ws')}/chats/${roomId}/ws`);
    await new Promise((resolve) => writer.once('open', resolve));
    writer.send(JSON.stringify({ event_type: 'join', name: 'gina' }));
    for (let n = 1; n <= 120; n++) writer.send(JSON.stringify({ event_type: 'send', name: 'gina', msg: `m${n}` }));
    await expect.poll(async () => (await (await fetch(`${server.url}/chats/${roomId}/messages?limit=1`)).json()).messages[0]?.seq).toBe(120);
    writer.close();

    await page.reload();
    await enter(page, 'harry');
    await expect.poll(() => shownMessages(page)).toHaveLength(50);
    expect((await shownMessages(page)).at(-1)).toBe('120 m120');
    for (let round = 0; round < 5 && (await shownMessages(page)).length < 120; round++) {
      await page.locator('.log').evaluate((log) => (log.scrollTop = 0));
      await page.waitForTimeout(300);
    }
    const all = await shownMessages(page);
    expect(all).toEqual(Array.from({ length: 120 }, (_, i) => `${i + 1} m${i + 1}`));
    await expect(page.getByRole('button', { name: 'Show earlier messages' }).isVisible()).resolves.toBe(false);
  });

  it('works with the keyboard alone', async () => {
    const page = await visitor(server.url);
    await page.goto(server.url);
    const focused = () => page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent?.trim() || (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent}`);
    // The view's heading has the focus when it opens; the next stop is the first field.
    expect(await focused()).toBe('H1 Chat rooms');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('INPUT Room id or title');
    await page.keyboard.type('public chat');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/room\/public%20chat$/);
    await expect.poll(focused).toBe('INPUT Your name');
    await page.keyboard.type('ivy');
    await page.keyboard.press('Tab');
    expect(await focused()).toMatch(/^SELECT/);
    await page.keyboard.press('ArrowDown'); // a colour: blue
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('BUTTON Enter the room');
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe('INPUT Your message');
    await page.keyboard.type('typed, not clicked');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.$$eval('.messages .message .text', (items) => items.map((i) => i.textContent))).toContain('typed, not clicked');
    await shot(page, 'keyboard-only');
  });

  it('shows the API docs with this server as their server, loading nothing from elsewhere', async () => {
    const origin = new URL(server.url).host;
    for (const [path, shown] of [
      ['/docs', `http://${origin}`],
      ['/docs/asyncapi', `ws://${origin}`],
    ] as const) {
      const page = await visitor(server.url);
      await page.goto(`${server.url}${path}`);
      await expect.poll(() => page.textContent('body'), { timeout: 15_000 }).toContain(shown);
      expect(await page.textContent('body')).not.toContain('localhost:8080');
      await shot(page, `docs${path.replaceAll('/', '-')}`);
    }
  });

  it('fits a phone-sized screen', async () => {
    const page = await visitor(server.url, PHONE);
    await page.goto(server.url);
    await shot(page, 'phone-home');
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await createRoom(page, `A rather long room title that has to wrap on a phone ${++counter}`, 'public');
    await enter(page, 'jules');
    await say(page, 'A message long enough to need a second line on a narrow screen, with a long word: Donaudampfschifffahrtsgesellschaft.');
    await expect.poll(() => shownMessages(page)).toHaveLength(1);
    expect(await overflow()).toBeLessThanOrEqual(0);
    for (const control of [messageInput(page), page.getByRole('button', { name: 'Send' })]) {
      const box = await control.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= PHONE.width).toBe(true);
    }
    await shot(page, 'phone-room');
  });
});
