import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { send } from './reply.js';

const require = createRequire(import.meta.url);

/** Redoc's footer logo, which its bundle loads from Redocly's CDN: the pages load nothing from elsewhere. */
const REDOC_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const NO_IMAGE = 'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E';

/**
 * The renderers' browser bundles, from their npm packages; openapi.yaml's getDocsAsset enum names them.
 * `local` makes a bundle load nothing from another host.
 */
const ASSETS: Record<string, { file: string; type: string; local?: (text: string) => string }> = {
  'redoc.standalone.js': {
    file: require.resolve('redoc/bundles/redoc.standalone.js'),
    type: 'application/javascript',
    local: (text) => text.replaceAll(REDOC_CDN_LOGO, NO_IMAGE),
  },
  'asyncapi.standalone.js': { file: require.resolve('@asyncapi/react-component/browser/standalone/index.js'), type: 'application/javascript' },
  'asyncapi.css': { file: require.resolve('@asyncapi/react-component/styles/default.min.css'), type: 'text/css' },
};

const page = (title: string, head: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title}</title>
${head}
</head>
<body style="margin:0">
${body}
</body>
</html>
`;

/** Redoc renders /openapi.yaml, the same bundled document the server validates with. */
export const restDocs = (basePath: string) =>
  page(
    'ChitChat-compatible chat-room API',
    '',
    `<p style="margin:0;padding:8px 16px;font-family:sans-serif">REST API below. Chat over WebSocket: <a href="${basePath}/docs/asyncapi">${basePath}/docs/asyncapi</a>.</p>
<redoc spec-url="${basePath}/openapi.yaml"></redoc>
<script src="${basePath}/docs/assets/redoc.standalone.js"></script>`,
  );

/** The AsyncAPI React component renders /asyncapi.yaml, the document the chat server validates frames with. */
export const chatDocs = (basePath: string) =>
  page(
    'ChitChat-compatible chat rooms over WebSocket',
    `<link rel="stylesheet" href="${basePath}/docs/assets/asyncapi.css">`,
    `<div id="asyncapi"></div>
<script src="${basePath}/docs/assets/asyncapi.standalone.js"></script>
<script>
  AsyncApiStandalone.render(
    { schema: { url: '${basePath}/asyncapi.yaml', options: { method: 'GET' } }, config: { show: { sidebar: true } } },
    document.getElementById('asyncapi'),
  );
</script>`,
  );

/**
 * Everything from this server. The renderers style with inline styles, the AsyncAPI page starts with an
 * inline script, and Redoc searches in a worker from a blob.
 */
export const DOCS_HEADERS = {
  // The AsyncAPI component compiles the document's schemas with Ajv, which needs eval; these pages show
  // only the server's own documents.
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'",
};

/** Read on first request, not at start: most servers never show their docs, and the bundles weigh megabytes. */
const loaded = new Map<string, Promise<Buffer>>();

export async function sendDocsAsset(res: ServerResponse, name: string): Promise<void> {
  const asset = ASSETS[name];
  if (!asset) throw new Error(`openapi.yaml names a docs asset the server does not have: ${name}`);
  let bytes = loaded.get(name);
  if (!bytes) {
    const { local } = asset;
    loaded.set(name, (bytes = local ? readFile(asset.file, 'utf8').then((text) => Buffer.from(local(text))) : readFile(asset.file)));
  }
  send(res, 200, asset.type, await bytes, { 'Cache-Control': 'public, max-age=3600' });
}
