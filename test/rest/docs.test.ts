import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onExpressHost } from '../support/express-host.js';
import { basePathOf, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('documentation pages', () => {
  it('renders the REST API with Redoc from /openapi.yaml, with every script served here', async () => {
    const base = basePathOf(server);
    const page = await (await server.request('GET', '/docs')).text();
    expect(page).toContain(`<redoc spec-url="${base}/openapi.yaml">`);
    expect(page).toContain(`href="${base}/docs/asyncapi"`);
    const scripts = [...page.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toEqual([`${base}/docs/assets/redoc.standalone.js`]);
    const script = await server.request('GET', scripts[0]!.slice(base.length));
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });

  it('renders the chat API with the AsyncAPI component from /asyncapi.yaml', async () => {
    const base = basePathOf(server);
    const page = await (await server.request('GET', '/docs/asyncapi')).text();
    expect(page).toContain(`url: '${base}/asyncapi.yaml'`);
    for (const asset of ['/docs/assets/asyncapi.standalone.js', '/docs/assets/asyncapi.css']) {
      expect(page).toContain(`${base}${asset}`);
      const response = await server.request('GET', asset);
      expect(response.status).toBe(200);
      expect((await response.text()).length).toBeGreaterThan(1000);
    }
  });

  it("sends the pages and their assets with their own headers beside the body's type and length", async () => {
    const docs = await server.request('GET', '/docs');
    expect(docs.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(docs.headers.get('content-security-policy')).toMatch(/^default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval';/);
    expect(Number(docs.headers.get('content-length'))).toBe((await docs.arrayBuffer()).byteLength);
    const asset = await server.request('GET', '/docs/assets/asyncapi.css');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=3600');
    const page = await server.request('GET', '/');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self'; script-src 'self';/);
    expect([page.headers.get('x-content-type-options'), page.headers.get('referrer-policy'), page.headers.get('cache-control')]).toEqual(['nosniff', 'no-referrer', 'no-cache']);
  });

  it('refuses an asset that is not one of its own (105 on asset)', async () => {
    const response = await server.request('GET', '/docs/assets/..%2F..%2Fpackage.json');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: number; field: string } }).error).toMatchObject({ code: 105, field: 'asset' });
  });
});

describe('static directory (ChitChat Static)', () => {
  it('serves files of the configured directory under /static/, and nothing outside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chitchat-static-'));
    writeFileSync(join(dir, 'hello.txt'), 'hello from static');
    const withStatic = await startTestServer({ staticDir: dir });
    try {
      const file = await fetch(`${withStatic.url}/static/hello.txt`);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await file.text()).toBe('hello from static');
      for (const path of ['/static/missing.txt', '/static/%2e%2e/package.json', '/static/..%2Fpackage.json']) {
        const response = await fetch(`${withStatic.url}${path}`);
        expect(response.status).toBe(404);
        // fetch resolves %2e%2e as '..': below a mount, that path leaves it, and the host answers.
        if (onExpressHost() && path.includes('%2e%2e')) continue;
        expect(((await response.json()) as { error: { code: number } }).error.code).toBe(601);
      }
    } finally {
      await withStatic.close();
      rmSync(dir, { recursive: true });
    }
    const without = await fetch(`${server.url}/static/hello.txt`);
    expect(without.status).toBe(404);
  });
});
