import { expect } from 'vitest';
import type { Middleware } from 'openapi-fetch';
import { configureAjv } from '../../src/contract/ajv.js';
import { OpenAPI31Backend } from '../../src/contract/backend.js';
import { loadContract } from '../../src/contract/document.js';
import { apiPathOf } from './express-host.js';

/**
 * Checks responses against the spec: the status must be documented for the operation, the
 * content type must be the documented one, and the body must match that response's schema.
 * Every test response goes through here, so an undocumented field or status fails a test.
 */
const contract = loadContract();
const backend = new OpenAPI31Backend({
  definition: structuredClone(contract.openapi) as never,
  strict: true,
  ajvOpts: { allErrors: true },
  customizeAjv: (ajv) => configureAjv(ajv),
});
const ready = backend.init();

/** An error body must carry its code's message from the catalog, with its code's HTTP status. */
function assertCatalogued(where: string, status: number, body: unknown): void {
  const error = (body as { status?: boolean; error?: { code: number; error: string } }).error;
  if ((body as { status?: boolean }).status !== false || !error) return;
  const entry = contract.catalog.get(error.code as never);
  expect(entry, `${where}: code ${error.code} is not in the catalog`).toBeDefined();
  expect({ status, message: error.error }, where).toEqual({ status: entry!.status, message: entry!.message });
}

/**
 * Behind `make contract`'s Prism proxy, each response carries Prism's own verdict in `sl-violations`:
 * a response outside the contract fails, and so does a request outside it that the server accepted.
 */
function assertNoProxyViolations(where: string, response: Response, requestContentType: string | undefined): void {
  const header = response.headers.get('sl-violations');
  if (!header) return;
  const violations = JSON.parse(header) as { location: string[]; message: string; code?: number | string }[];
  const onResponse = violations.filter((v) => v.location[0] === 'response');
  expect(onResponse, `${where}: the response leaves the contract`).toEqual([]);
  // A body in one of x-json-text-media-types is JSON text the document accepts outside `content`,
  // which Prism alone reads: its 415 verdict on such a body is not a violation.
  const mediaType = requestContentType?.split(';')[0]?.trim().toLowerCase();
  const jsonText = mediaType !== undefined && contract.jsonTextMediaTypes.includes(mediaType);
  const onRequest = violations.filter((v) => v.location[0] !== 'response' && !(jsonText && String(v.code) === '415'));
  if (response.ok) expect(onRequest, `${where}: a request outside the contract was accepted`).toEqual([]);
}

/** `requestContentType`: the request's Content-Type, when it had a body. */
export async function assertMatchesContract(method: string, url: string, response: Response, requestContentType?: string): Promise<void> {
  await ready;
  const pathname = apiPathOf(new URL(url).pathname);
  assertNoProxyViolations(`${method} ${pathname} -> ${response.status}`, response, requestContentType);
  const operation = backend.router.matchOperation({ method: method.toLowerCase(), path: pathname, headers: {} });
  const where = `${method} ${pathname} -> ${response.status}`;
  // Unknown routes and methods have no operation; their body must still be the documented error body.
  if (!operation) {
    const body = await response.clone().json();
    const result = backend.validator.validateResponse(body, 'getRoom', 404);
    expect(result.errors, `${where}: error body`).toBeNull();
    expect([404, 405], where).toContain(response.status);
    assertCatalogued(where, response.status, body);
    return;
  }
  const documented = Object.keys(operation.responses ?? {});
  expect(documented, `${where}: status not documented for ${operation.operationId}`).toContain(String(response.status));
  const spec = (operation.responses as Record<string, { content?: Record<string, unknown> }>)[String(response.status)];
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0];
  expect(Object.keys(spec?.content ?? {}), `${where}: content type`).toContain(contentType);
  const mediaType = contentType;
  if (mediaType === 'application/json') {
    const body = await response.clone().json();
    const result = backend.validator.validateResponse(body, operation.operationId!, response.status);
    expect(result.errors, `${where}: ${JSON.stringify(body)}`).toBeNull();
    assertCatalogued(where, response.status, body);
    const headers = Object.fromEntries(response.headers.entries());
    const headerResult = backend.validator.validateResponseHeaders(headers, operation.operationId!, {
      statusCode: response.status,
      setMatchType: 'superset' as never,
    });
    expect(headerResult.errors, `${where}: headers`).toBeNull();
  }
}

/** openapi-fetch middleware that runs every SDK response through `assertMatchesContract`. */
export const contractCheck: Middleware = {
  async onResponse({ request, response }) {
    await assertMatchesContract(request.method, request.url, response, request.headers.get('content-type') ?? undefined);
    return response;
  },
};
