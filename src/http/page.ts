import { readFile, readdir } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { projectRoot } from '../contract/document.js';
import { ApiError } from '../errors.js';
import { send } from './reply.js';

/** The chat page as `make build` leaves it: web/dist/index.html and web/dist/app/assets/. */
const DIST = join(projectRoot(), 'web', 'dist');

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * Everything from this server, nothing inline: a message or a name that slipped into the markup could
 * not run. WebSockets to this host only ('self' covers ws: and wss: on it).
 */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ChitChat</title></head>
<body><h1>ChitChat</h1><p>The chat page is not built: run <code>make build</code> (or <code>make run</code>) and reload.
The API is here all the same: <a href="docs">its docs</a>.</p></body></html>
`;

interface Page {
  index: string;
  assets: Map<string, Promise<Buffer>>;
}

/** Read on first request: a server used only as an API never reads it. */
let loaded: Promise<Page> | undefined;

async function load(): Promise<Page> {
  const index = await readFile(join(DIST, 'index.html'), 'utf8').catch(() => NOT_BUILT);
  const names = await readdir(join(DIST, 'app', 'assets')).catch(() => [] as string[]);
  return { index, assets: new Map(names.map((name) => [name, readFile(join(DIST, 'app', 'assets', name))])) };
}

export async function sendChatPage(res: ServerResponse): Promise<void> {
  const page = await (loaded ??= load());
  send(res, 200, 'text/html; charset=utf-8', page.index, { ...SECURITY_HEADERS, 'Cache-Control': 'no-cache' });
}

/** An asset of the build; its name changes with its content, so it may be cached for good. */
export async function sendChatPageAsset(res: ServerResponse, name: string): Promise<void> {
  const page = await (loaded ??= load());
  const bytes = page.assets.get(name);
  if (!bytes) throw new ApiError(601);
  send(res, 200, TYPES[extname(name)] ?? 'application/octet-stream', await bytes, { ...SECURITY_HEADERS, 'Cache-Control': 'public, max-age=31536000, immutable' });
}
