import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { ParsedAsyncApi } from '../contract/chat.js';

/** A Host header that is a plain name or address with an optional port; anything else is not reflected. */
const PLAIN_HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/**
 * The host and scheme a client reached this server at: the Host header, and the scheme a trusted proxy
 * forwarded (X-Forwarded-Proto); null when the Host header is not a plain host.
 */
export function requestOrigin(req: IncomingMessage, trustProxy: string[]): { host: string; secure: boolean } | null {
  const host = req.headers.host;
  if (!host || !PLAIN_HOST.test(host)) return null;
  const trusted = trustProxy.length > 0 && proxyaddr.compile(trustProxy)(req.socket.remoteAddress ?? '', 0);
  const forwarded = trusted ? String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim() : '';
  return { host, secure: forwarded === 'https' };
}

/**
 * The bundled documents as served: their example origin (localhost:8080, in `servers` and in links to
 * the other document) replaced by the origin the client reached, and the base path the service is
 * mounted at added, so that the docs pages and tools reading /openapi.yaml show where the API really is.
 */
export function servedDocuments(
  openapi: { text: string; document: OpenAPIV3_1.Document },
  asyncapi: { text: string; document: ParsedAsyncApi },
  basePath: string,
) {
  const { text: openapiText } = openapi;
  const { text: asyncapiText } = asyncapi;
  const exampleUrl = openapi.document.servers?.[0]?.url;
  const exampleHost = asyncapi.document.servers?.local?.host;
  if (!exampleUrl || !openapiText.includes(`url: ${exampleUrl}\n`)) throw new Error('openapi.yaml: no servers[0].url to fill in');
  if (!exampleHost || !asyncapiText.includes(`host: ${exampleHost}\n`)) throw new Error('asyncapi.yaml: no servers.local.host to fill in');
  // AsyncAPI 3 gives a server's path apart from its host; its keys sit 4 spaces in.
  const pathname = basePath ? `    pathname: ${basePath}\n` : '';
  return {
    openapi(origin: { host: string; secure: boolean } | null): string {
      const url = origin ? `${origin.secure ? 'https' : 'http'}://${origin.host}` : exampleUrl;
      return origin || basePath ? openapiText.replaceAll(exampleUrl, `${url}${basePath}`) : openapiText;
    },
    asyncapi(origin: { host: string; secure: boolean } | null): string {
      const served = asyncapiText.replace(`host: ${exampleHost}\n`, `host: ${origin?.host ?? exampleHost}\n${pathname}`);
      return origin ? served.replace(/(\n {4}protocol: )ws\n/, origin.secure ? '$1wss\n' : '$1ws\n') : served;
    },
  };
}
