import type { ErrorObject } from 'ajv';
import type { Operation, OpenAPIValidator } from 'openapi-backend';

/** The parts of a request its operation's schemas check. */
export interface ParsedParts {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  /** What arrived: undefined, a parsed JSON value, or text that is not JSON. */
  body: unknown;
  /** The body as JSON when it parses, else as it arrived. */
  requestBody: unknown;
}

/** Checks a request against its operation's schemas: the errors, or null and the request's query coerced as the schemas say. */
export type RequestCheck = (request: ParsedParts) => ErrorObject[] | null;

type Parameter = { in: string; name: string; schema?: { type?: unknown }; content?: object; explode?: boolean };

/**
 * openapi-backend's validateRequest for one operation, planned once: the same Ajv validators it compiled
 * from the document, given the same parameters object, so the same errors, defaults and coercions
 * (test/request-pipeline.test.ts compares the two on random requests), without its lodash traversals and
 * its three parses of the request. What that parse does beyond path and query parameters of the default
 * style (headers and cookies as parameters, JSON or non-exploded query values) is not needed by this
 * document, and refused at start rather than checked otherwise.
 */
export function compileRequestCheck(validator: OpenAPIValidator, operation: Operation): RequestCheck {
  const parameters = (operation.parameters ?? []) as Parameter[];
  const unsupported = parameters.find((p) => '$ref' in p || (p.in !== 'path' && p.in !== 'query') || p.content || p.explode === false);
  if (unsupported) {
    throw new Error(`${operation.operationId}: parameter ${unsupported.name} (in ${unsupported.in}) needs parsing the request path does not do`);
  }
  // Query parameters declared as arrays: a single value becomes a one-element array, as upstream does.
  const arrayQuery = parameters.filter((p) => p.in === 'query' && p.schema?.type === 'array').map((p) => p.name);
  // queryCopy assigns these: "__proto__" would set the copy's prototype.
  if (arrayQuery.includes('__proto__')) throw new Error(`${operation.operationId}: a query parameter named __proto__ is not supported`);
  // The body's only declared media type is JSON, so a body that does not parse is a validation error.
  const bodyTypes = Object.keys((operation.requestBody as { content?: object } | undefined)?.content ?? {});
  const jsonOnlyBody = bodyTypes.length === 1 && bodyTypes[0] === 'application/json';
  const validators = validator.getRequestValidatorsForOperation(operation.operationId!) ?? [];
  // Copies, as upstream checks copies: a request that fails keeps the values it came with, and the path
  // parameters the handler sees stay as the path gave them. What no schema can change needs no copy: path
  // parameters that are plain strings, and the query of an operation that declares no query parameter.
  const copyPath = parameters.some((p) => p.in === 'path' && !asGiven(p.schema));
  const copyQuery = parameters.some((p) => p.in === 'query');

  return (request) => {
    const { body, requestBody } = request;
    const query = copyQuery ? queryCopy(request.query, arrayQuery) : request.query;
    let errors: ErrorObject[] | null = null;
    if (jsonOnlyBody && body !== undefined && typeof body !== 'object') {
      try {
        JSON.parse(`${body as string}`);
      } catch (err) {
        errors = [{ keyword: 'parse', instancePath: '', schemaPath: '#/requestBody', params: [], message: (err as Error).message } as ErrorObject];
      }
    }
    const checked: Record<string, unknown> = { path: copyPath ? { ...request.params } : request.params, query, header: request.headers, cookie: NO_COOKIES };
    if (typeof requestBody === 'object' || contentType(request.headers['content-type']) === 'application/json') checked.requestBody = requestBody;
    for (const validate of validators) {
      if (validate(checked)) continue;
      (errors ??= []).push(...(validate.errors ?? []));
    }
    if (!errors) request.query = query;
    return errors;
  };
}

/** Cookies are no parameter of the document (refused at start), so their schema reads nothing and writes nothing. */
const NO_COOKIES = Object.freeze({});

/**
 * The query as its schema is to coerce it: arrays copied, and a single value of an array parameter made one.
 * An ordinary object, not one without a prototype as querystring gives: V8 keeps that kind in dictionary
 * mode, where every read of a parameter, by Ajv and by the handler, missed its inline cache.
 */
function queryCopy(values: Record<string, unknown>, arrayQuery: string[]): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const name in values) {
    const value = values[name];
    const copy = Array.isArray(value) ? [...value] : value;
    // Assigned, "__proto__" would set the copy's prototype (to an array of its values) instead of a key.
    if (name === '__proto__') Object.defineProperty(query, name, { value: copy, enumerable: true, writable: true, configurable: true });
    else query[name] = copy;
  }
  for (const name of arrayQuery) {
    const value = query[name];
    if (typeof value === 'string') query[name] = [value];
  }
  return query;
}

/** Keywords that only check or describe a string: under them Ajv neither coerces nor fills in anything. */
const STRING_CHECKS = new Set(['type', 'minLength', 'maxLength', 'pattern', 'format', 'description', 'title', 'example', 'examples']);

/**
 * Whether a path parameter's schema leaves its value as the path gave it, a string, so that it can be
 * checked without a copy: a path parameter arrives as a string, and Ajv coerces or fills in only what a
 * schema of another type, or a default, asks for.
 */
function asGiven(schema: { type?: unknown } | undefined): boolean {
  return schema !== undefined && schema.type === 'string' && Object.keys(schema).every((keyword) => STRING_CHECKS.has(keyword));
}

/** The media type of a Content-Type header, in lower case and without parameters. */
function contentType(header: unknown): string {
  if (header === undefined) return '';
  const value = String((Array.isArray(header) ? header[0] : header) || '');
  const end = value.indexOf(';');
  return (end < 0 ? value : value.slice(0, end)).trim().toLowerCase();
}
