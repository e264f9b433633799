import { OpenAPIRouter, type Operation, type ParsedRequest, type Request } from 'openapi-backend';

interface Route {
  operation: Operation;
  /** The template with its parameters as capture groups, literal parts escaped. */
  pattern: RegExp;
  names: string[];
  /** Length of the literal part: the more literal, the more specific, as openapi-backend orders matches. */
  literalLength: number;
}

/** The request's path as upstream normalizes it: trimmed, with a leading slash, without the query. */
function pathOf(req: Request): string {
  let path = req.path?.trim() || '';
  if (!path.startsWith('/')) path = `/${path}`;
  const queryAt = path.indexOf('?');
  return queryAt < 0 ? path : path.slice(0, queryAt);
}

const escapeRegExp = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const PARAMETER = /\{([^}]+)\}/g;

function compile(operation: Operation): Route {
  const names = [...operation.path.matchAll(PARAMETER)].map((m) => m[1]!);
  const literals = operation.path.split(PARAMETER).filter((_, i) => i % 2 === 0);
  return {
    operation,
    pattern: new RegExp(`^${literals.map(escapeRegExp).join('([^/]+)')}$`),
    names,
    literalLength: literals.join('').length,
  };
}

/**
 * openapi-backend's router with its per-request work done once. Upstream rebuilds the operation list
 * (twice) and a RegExp per path template on every match, and compiles a template matcher on each of
 * the four times a request is parsed; profiles under load showed that as most of a request's CPU.
 * Matching and parsing give the same results as upstream for this server's use: paths from the
 * document, query already an object (node:querystring), header names in lower case (Node's), no cookies
 * used by the API. A request with cookies, or an operation whose query parameters need upstream's special
 * decoding, takes upstream's path.
 *
 * It overrides upstream's internals (getOperations, normalizePath, parseRequest's result), which a minor
 * release may change: package.json pins openapi-backend to one exact version, to be moved on purpose,
 * with test/request-pipeline.test.ts run against the new one.
 */
export class CompiledRouter extends OpenAPIRouter {
  private readonly operations: Operation[] = super.getOperations();
  private readonly routes: Route[] = this.operations
    .map(compile)
    .sort((a, b) => b.literalLength - a.literalLength);
  private readonly routeOf = new Map(this.routes.map((route) => [route.operation, route]));
  private readonly plainQuery = new Set(
    this.operations.filter((op) =>
      (op.parameters ?? []).every((p) => '$ref' in p || p.in !== 'query' || (!p.content && p.explode !== false)),
    ),
  );

  override getOperations(): Operation[] {
    return this.operations;
  }

  /** Whether some operation has this path, whatever its method: a path that is not the API's belongs to the host. */
  servesPath(path: string): boolean {
    const relative = this.normalizePath(path);
    return this.routes.some((route) => route.pattern.test(relative));
  }

  override matchOperation(req: Request): Operation | undefined;
  override matchOperation(req: Request, strict: boolean): Operation;
  override matchOperation(req: Request, strict?: boolean): Operation | undefined {
    const method = req.method.trim().toLowerCase();
    // The API root is '/' and every path gets its leading slash: every path is under it.
    const relative = this.normalizePath(pathOf(req));
    const onPath = this.routes.filter((route) => route.pattern.test(relative));
    // Routes are ordered most literal first, so a path without parameters wins over any template it fits.
    const match = onPath.find((r) => r.operation.method === method);
    if (match) return match.operation;
    if (!strict) return undefined;
    if (onPath.length) throw Error('405-methodNotAllowed: this method is not registered for the route');
    throw Error('404-notFound: no route matches request');
  }

  override parseRequest(req: Request, operation?: Operation): ParsedRequest {
    if (req.headers.cookie !== undefined || (operation && !this.plainQuery.has(operation))) {
      return super.parseRequest(req, operation);
    }
    let requestBody = req.body;
    if (req.body && typeof req.body !== 'object') {
      try {
        requestBody = JSON.parse(String(req.body));
      } catch {
        // malformed JSON stays as it is: validation reports it
      }
    }
    const path = pathOf(req);
    // Copies: validation coerces them in place. for-in, as Node's headers and queries have no prototype,
    // and spreading such objects costs several times more.
    const source = (req.query ?? {}) as Record<string, string | string[]>;
    const query: Record<string, string | string[]> = {};
    for (const name in source) {
      const value = source[name]!;
      query[name] = Array.isArray(value) ? [...value] : value;
    }
    // Node gives header names in lower case, as upstream makes them.
    const headers: Record<string, string | string[]> = {};
    for (const name in req.headers) headers[name] = req.headers[name]!;
    return {
      body: req.body,
      path,
      method: req.method.trim().toLowerCase(),
      params: operation ? this.paramsOf(operation, this.normalizePath(path)) : {},
      headers,
      query,
      cookies: {},
      requestBody,
    };
  }

  /** Path parameters, percent-decoded; {} when the path does not fit the template. */
  private paramsOf(operation: Operation, path: string): Record<string, string> {
    const route = this.routeOf.get(operation) ?? compile(operation);
    const values = route.pattern.exec(path);
    if (!values) return {};
    const params: Record<string, string> = {};
    try {
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(values[i + 1]!)));
    } catch {
      return {};
    }
    return params;
  }
}
