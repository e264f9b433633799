import fc from 'fast-check';
import { OpenAPIBackend, OpenAPIRouter, OpenAPIValidator, type Context, type Request } from 'openapi-backend';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../src/contract/document.js';
import { configureAjv } from '../src/contract/ajv.js';
import { OpenAPI31Backend } from '../src/contract/backend.js';
import { installRequestValidation } from '../src/contract/request-validation.js';
import { CompiledRouter } from '../src/contract/router.js';

// CompiledRouter and installRequestValidation replace openapi-backend's per-request work for speed; they
// must route, parse and validate exactly as upstream does, for every operation of our document and for
// requests that fit none of them.
// Dereferenced, as openapi-backend hands it to its router and validator after init.
const definition = (await new OpenAPI31Backend({ definition: structuredClone(loadContract().openapi) as never, quick: true }).init()).definition;
const upstream = new OpenAPIRouter({ definition });
const compiled = new CompiledRouter({ definition });

const segment = fc.oneof(
  fc.constantFrom('chats', 'token', 'renew', 'messages', 'docs', 'assets', 'asyncapi', 'health', 'openapi.yaml', 'asyncapi.yaml', 'ws', '1', '42', ''),
  fc.constantFrom('Public%20Chat', 'caf%C3%A9', '%2F', 'a.b', 'redoc.standalone.js', '{roomId}', '.*', 'CHATS'),
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/),
);
const requestArb = fc.record({
  method: fc.constantFrom('get', 'GET', 'post', 'put', 'delete', 'patch', 'options', 'head', ' Get '),
  path: fc
    .tuple(fc.array(segment, { minLength: 0, maxLength: 4 }), fc.constantFrom('', '/', '//', '?x=1'), fc.boolean())
    .map(([segments, tail, slash]) => `${slash ? '/' : ''}${segments.join('/')}${tail}`),
  query: fc.dictionary(
    fc.constantFrom('limit', 'cursor', 'x', 'limit[]'),
    fc.oneof(fc.stringMatching(/^[0-9a-z]{0,4}$/), fc.array(fc.stringMatching(/^[0-9]{0,3}$/), { maxLength: 3 })),
  ),
  headers: fc.dictionary(
    fc.constantFrom('authorization', 'content-type', 'x-any'),
    fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Bearer x')),
  ),
  body: fc.option(
    fc.oneof(
      fc.constantFrom('{"title":"x"}', '{bad', '', '[]', '"text"'),
      fc.record({ title: fc.constantFrom('y', '', 'Room 7', '12'), visibility: fc.constantFrom('public', 'private', 'PUBLIC', 3), password: fc.option(fc.string({ maxLength: 5 })) }, { requiredKeys: [] }),
      fc.record({ secret: fc.string({ maxLength: 4 }), name: fc.option(fc.string({ maxLength: 4 })) }, { requiredKeys: [] }),
    ),
    { nil: undefined },
  ),
}) as fc.Arbitrary<Request>;

function route(router: OpenAPIRouter, req: Request): string {
  try {
    return router.matchOperation(req, true).operationId ?? 'no operationId';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('CompiledRouter', () => {
  it('matches every request to the operation, 404 or 405 that openapi-backend gives', () => {
    fc.assert(
      fc.property(requestArb, (req) => {
        expect(route(compiled, req)).toBe(route(upstream, req));
        expect(compiled.matchOperation(req)?.operationId).toBe(upstream.matchOperation(req)?.operationId);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses a request as openapi-backend does, with and without its operation', () => {
    const operations = upstream.getOperations();
    expect(compiled.getOperations()).toEqual(operations);
    fc.assert(
      fc.property(requestArb, fc.constantFrom(undefined, ...operations.map((op) => op.operationId)), (req, operationId) => {
        const operation = operationId ? compiled.getOperation(operationId) : undefined;
        expect(compiled.parseRequest(req, operation)).toEqual(upstream.parseRequest(req, operation));
      }),
      { numRuns: 2000 },
    );
  });

  it('routes a path with a template to the template, and an unknown method there to 405', () => {
    expect(route(compiled, { method: 'get', path: '/chats/Public%20Chat', headers: {} })).toBe('getRoom');
    expect(route(compiled, { method: 'get', path: '/chats/1/token/renew/', headers: {} })).toBe('renewToken');
    expect(route(compiled, { method: 'patch', path: '/chats/1', headers: {} })).toMatch(/^405/);
    expect(route(compiled, { method: 'get', path: '/nowhere', headers: {} })).toMatch(/^404/);
  });
});

describe('installRequestValidation', () => {
  const options = { coerceTypes: true, lazyCompileValidators: true, ajvOpts: { verbose: true, allErrors: true, useDefaults: true }, customizeAjv: configureAjv as never };
  const reference = new OpenAPIValidator({ definition, router: upstream, ...options });
  const lean = new OpenAPIValidator({ definition, router: compiled, ...options });
  installRequestValidation(lean, compiled);

  it('validates and coerces every request as openapi-backend does, errors included', () => {
    const operations = upstream.getOperations();
    fc.assert(
      fc.property(requestArb, fc.constantFrom(...operations.map((op) => op.operationId!)), (req, operationId) => {
        const expected = reference.validateRequest(structuredClone(req), upstream.getOperation(operationId));
        const actual = lean.validateRequest(structuredClone(req), compiled.getOperation(operationId));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('OpenAPI31Backend.handleRequest', () => {
  class UpstreamBackend extends OpenAPIBackend {
    override validateDefinition() {
      return this.document;
    }
  }
  const options = { definition: structuredClone(loadContract().openapi) as never, strict: true, quick: true, coerceTypes: true, ajvOpts: { verbose: true, allErrors: true, useDefaults: true }, customizeAjv: configureAjv as never };
  // Every handler answers with what it saw, so two backends that differ anywhere answer differently.
  const seen = (label: string) => (c: Context) => ({
    label,
    operationId: c.operation?.operationId,
    request: c.request && { method: c.request.method, path: c.request.path, params: c.request.params, query: c.request.query, requestBody: c.request.requestBody },
    security: c.security,
    errors: c.validation?.errors?.map((e) => `${e.instancePath} ${e.keyword}`),
  });
  const security = (c: Context) => {
    const header = String(c.request.headers.authorization ?? '');
    if (header.includes('throw')) throw new Error('rejected');
    return header.includes('ok') ? { user: 'u' } : header.includes('error') ? { error: 'bad token' } : false;
  };
  async function backend(Backend: new (opts: typeof options) => OpenAPIBackend) {
    const api = new Backend(options);
    await api.init();
    for (const op of api.router.getOperations()) api.register(op.operationId!, seen(op.operationId!));
    api.register({ notFound: seen('notFound'), methodNotAllowed: seen('methodNotAllowed'), validationFail: seen('validationFail'), unauthorizedHandler: seen('unauthorized') });
    api.registerSecurityHandler('roomToken', security);
    api.registerSecurityHandler('chitchatAuthorization', security);
    return api;
  }
  const settle = (p: Promise<unknown>) => p.then((value) => ({ value }), (err: Error) => ({ error: err.message }));

  it('answers every request with the handler, context and errors upstream gives', async () => {
    const [reference, ours] = await Promise.all([backend(UpstreamBackend), backend(OpenAPI31Backend)]);
    const withAuth = fc.tuple(requestArb, fc.constantFrom(undefined, 'Bearer ok', 'Bearer throw', 'Bearer error', 'Bearer no')).map(([req, auth]) => (auth ? { ...req, headers: { ...req.headers, authorization: auth } } : req));
    await fc.assert(
      fc.asyncProperty(withAuth, async (req) => {
        expect(await settle(ours.handleRequest(structuredClone(req)))).toEqual(await settle(reference.handleRequest(structuredClone(req))));
      }),
      { numRuns: 2000 },
    );
  });
});
