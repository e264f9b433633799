import fc from 'fast-check';
import { OpenAPIBackend, OpenAPIRouter, OpenAPIValidator, type Context, type Request } from 'openapi-backend';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../src/contract/document.js';
import { configureAjv } from '../src/contract/ajv.js';
import { OpenAPI31Backend } from '../src/contract/backend.js';
import { compileRequestCheck } from '../src/contract/request-validation.js';
import { OperationRoutes, requestPath } from '../src/contract/router.js';

// OperationRoutes, compileRequestCheck and OpenAPI31Backend's request path replace openapi-backend's
// per-request work for speed; they must route, parse and validate exactly as upstream does, for every
// operation of our document and for requests that fit none of them.
// Dereferenced, as openapi-backend hands it to its router and validator after init.
const definition = (await new OpenAPI31Backend({ definition: structuredClone(loadContract().openapi) as never, quick: true }).init()).definition;
const upstream = new OpenAPIRouter({ definition });
const routes = new OperationRoutes(upstream.getOperations(), { apiRoot: '/', ignoreTrailingSlashes: true });

const segment = fc.oneof(
  fc.constantFrom('chats', 'token', 'renew', 'messages', 'docs', 'assets', 'asyncapi', 'health', 'openapi.yaml', 'asyncapi.yaml', 'ws', '1', '42', ''),
  fc.constantFrom('Public%20Chat', 'caf%C3%A9', '%2F', 'a.b', 'redoc.standalone.js', '{roomId}', '.*', 'CHATS'),
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/),
);
// Half the paths are the document's own, with their parameters filled in, so that every operation is
// reached often, with and without valid input.
const documentPath = fc
  .tuple(fc.constantFrom(...upstream.getOperations().map((op) => op.path)), segment.filter((s) => s !== ''), fc.constantFrom('', '/'))
  .map(([template, value, tail]) => `${template.replace(/\{[^}]+\}/g, value)}${tail}`);
const randomPath = fc
  .tuple(fc.array(segment, { minLength: 0, maxLength: 4 }), fc.constantFrom('', '/', '//', '?x=1'), fc.boolean())
  .map(([segments, tail, slash]) => `${slash ? '/' : ''}${segments.join('/')}${tail}`);
const requestArb = fc.record({
  method: fc.constantFrom('get', 'GET', 'post', 'put', 'delete', 'patch', 'options', 'head', ' Get '),
  path: fc.oneof(documentPath, randomPath),
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

function upstreamRoute(req: Request): string {
  try {
    return upstream.matchOperation(req, true).operationId ?? 'no operationId';
  } catch (err) {
    return (err as Error).message.slice(0, 3);
  }
}

function route(req: Request): string {
  const match = routes.match(req.method.trim().toLowerCase(), requestPath(req.path));
  return match.operation ? (match.operation.operationId ?? 'no operationId') : match.methods.length ? '405' : '404';
}

describe('OperationRoutes', () => {
  it('matches every request to the operation, 404 or 405 that openapi-backend gives, with its path parameters', () => {
    fc.assert(
      fc.property(requestArb, (req) => {
        expect(route(req)).toBe(upstreamRoute(req));
        const match = routes.match(req.method.trim().toLowerCase(), requestPath(req.path));
        if (match.operation) expect(match.params).toEqual(upstream.parseRequest(req, match.operation).params);
      }),
      { numRuns: 3000 },
    );
  });

  it('routes a path with a template to the template, and an unknown method there to 405', () => {
    expect(route({ method: 'get', path: '/chats/Public%20Chat', headers: {} })).toBe('getRoom');
    expect(route({ method: 'get', path: '/chats/1/token/renew/', headers: {} })).toBe('renewToken');
    expect(route({ method: 'patch', path: '/chats/1', headers: {} })).toBe('405');
    expect(route({ method: 'get', path: '/nowhere', headers: {} })).toBe('404');
  });

  it('answers a path of more segments than any template has as upstream does, and gives no params for one that does not decode', () => {
    const deep = `/chats/1${'/token'.repeat(100)}`;
    expect(route({ method: 'get', path: deep, headers: {} })).toBe(upstreamRoute({ method: 'get', path: deep, headers: {} }));
    expect(route({ method: 'get', path: deep, headers: {} })).toBe('404');
    // The server refuses such a path before routing (101), as upstream throws on it; routed, it has no params.
    const match = routes.match('get', '/chats/%E0%A4%A');
    expect(match.operation?.operationId).toBe('getRoom');
    expect(match.operation && match.params).toEqual({});
  });

  it('knows the paths the document has, whatever the method', () => {
    expect(routes.servesPath('/chats/1/messages')).toBe(true);
    expect(routes.servesPath('/chats/1/nothing')).toBe(false);
  });

  it('refuses at start a parameter named __proto__, which would set the prototype of the params it is written into', () => {
    const operation = { ...upstream.getOperation('getRoom')!, path: '/rooms/{__proto__}' };
    expect(() => new OperationRoutes([operation], { apiRoot: '/', ignoreTrailingSlashes: true })).toThrow(/__proto__/);
  });

  it('gives each of several path parameters its own value, whatever its name', () => {
    const names = ['first', 'con"st\\r', 'constructor'];
    const operation = { ...upstream.getOperation('getRoom')!, path: `/a/{${names[0]}}/b/{${names[1]}}/{${names[2]}}` };
    const own = new OperationRoutes([operation], { apiRoot: '/', ignoreTrailingSlashes: true });
    const match = own.match('get', '/a/one/b/t%C3%BCo/3');
    expect(match.operation && { ...match.params }).toEqual({ first: 'one', [names[1]!]: 'tüo', constructor: '3' });
  });

  it('refuses at start a parameter that shares its segment with literal text, which segments cannot match as upstream does', () => {
    const operation = { ...upstream.getOperation('getRoom')!, path: '/files/{name}.json' };
    expect(() => new OperationRoutes([operation], { apiRoot: '/', ignoreTrailingSlashes: true })).toThrow(/not a whole segment/);
  });
});

describe('compileRequestCheck', () => {
  const options = { coerceTypes: true, lazyCompileValidators: true, ajvOpts: { verbose: true, allErrors: true, useDefaults: true }, customizeAjv: configureAjv as never };
  const reference = new OpenAPIValidator({ definition, router: upstream, ...options });
  const lean = new OpenAPIValidator({ definition, router: upstream, ...options });
  const checks = new Map(upstream.getOperations().map((op) => [op.operationId!, compileRequestCheck(lean, op)]));

  it('validates and coerces every request as openapi-backend does, errors included', () => {
    const operations = upstream.getOperations();
    fc.assert(
      fc.property(requestArb, fc.constantFrom(...operations.map((op) => op.operationId!)), (req, operationId) => {
        const operation = upstream.getOperation(operationId)!;
        const expected = reference.validateRequest(structuredClone(req), operation);
        const copy = structuredClone(req);
        const parsed = upstream.parseRequest(copy, operation);
        const parts = { params: parsed.params, query: (copy.query ?? {}) as Record<string, unknown>, headers: copy.headers as Record<string, unknown>, body: copy.body, requestBody: parsed.requestBody };
        const errors = checks.get(operationId)!(parts);
        expect(errors).toEqual(expected.errors);
        if (!errors) expect(parts.query).toEqual(expected.coerced?.query ?? {});
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

  it('refuses a query parameter named __proto__ as upstream does, not as a prototype', async () => {
    const [reference, ours] = await Promise.all([backend(UpstreamBackend), backend(OpenAPI31Backend)]);
    for (const value of ['1', ['1', '2']]) {
      // As node:querystring gives it: an object without a prototype, where __proto__ is a key like any other.
      const query = () => Object.assign(Object.create(null), { ['__proto__']: value }) as Record<string, string>;
      const req = () => ({ method: 'get', path: '/chats', query: query(), headers: {} });
      const expected = (await settle(reference.handleRequest(req()))) as { value: { label: string } };
      expect(expected.value.label).toBe('validationFail');
      expect(await settle(ours.handleRequest(req()))).toEqual(expected);
    }
  });

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
