import type { Operation } from 'openapi-backend';

interface Route {
  operation: Operation;
  /** The template's segments after its leading slash: each a literal, or null for a parameter. */
  segments: (string | null)[];
  names: string[];
  /** Length of the literal part: the more literal, the more specific, as openapi-backend orders matches. */
  literalLength: number;
}

/** What a request's method and path come to: its operation and path parameters, or the methods its path has (none: 404). */
export type RouteMatch = { operation: Operation; params: Record<string, string> } | { operation: null; methods: string[] };

const PARAMETER = /\{([^}]+)\}/g;

/**
 * A template as segments. Upstream matches a template as a RegExp with `([^/]+)` for each parameter; a
 * parameter that is a whole segment matches exactly the non-empty segments, so the segments are compared
 * as strings instead (no RegExp run or match array a request). A parameter sharing its segment with
 * literal text (`/files/{name}.json`) would need the RegExp: the document has none, and one is refused
 * at start rather than matched otherwise.
 */
function compile(operation: Operation): Route {
  const names = [...operation.path.matchAll(PARAMETER)].map((m) => m[1]!);
  const segments = operation.path.split('/').slice(1).map((segment) => {
    if (!segment.includes('{')) return segment;
    if (!/^\{[^}]+\}$/.test(segment)) throw new Error(`${operation.operationId}: path ${operation.path} has a parameter that is not a whole segment`);
    return null;
  });
  return {
    operation,
    segments,
    names,
    literalLength: operation.path.split(PARAMETER).filter((_, i) => i % 2 === 0).join('').length,
  };
}

/** The route's path parameters' raw values if `path` (with as many slashes) fits its template, else null. */
function fit(route: Route, path: string): string[] | null {
  const values: string[] = [];
  let at = 1;
  for (const literal of route.segments) {
    let end = path.indexOf('/', at);
    if (end < 0) end = path.length;
    if (literal === null) {
      if (end === at) return null;
      values.push(path.slice(at, end));
    } else if (end - at !== literal.length || !path.startsWith(literal, at)) {
      return null;
    }
    at = end + 1;
  }
  return values;
}

/** A parameter matches `[^/]+`, so a path fits a template only if both have as many slashes. */
function slashes(path: string): number {
  let count = 0;
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) count++;
  return count;
}

/** The request's path as openapi-backend normalizes it: trimmed, with a leading slash, without the query. */
export function requestPath(path: string | undefined): string {
  let trimmed = path === undefined || needsTrim(path) ? path?.trim() || '' : path;
  if (!trimmed.startsWith('/')) trimmed = `/${trimmed}`;
  const queryAt = trimmed.indexOf('?');
  return queryAt < 0 ? trimmed : trimmed.slice(0, queryAt);
}

/** Whether trim() could change the text: no printable ASCII character but the space is white space, and Node's parser gives paths of those. */
function needsTrim(text: string): boolean {
  if (!text) return false;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  return !(first > 32 && first < 127 && last > 32 && last < 127);
}

/**
 * The document's operations by method and path, matched as openapi-backend's router matches them (the
 * operation, its 405 and 404, path parameters percent-decoded; test/request-pipeline.test.ts compares
 * the two), with its per-request work done once: upstream rebuilds its operation list and a RegExp per
 * template on every match, and parses the path again on each of the four times it parses a request.
 * Routes are grouped by how many slashes their path has, so a request tries only the few of its shape.
 */
export class OperationRoutes {
  private readonly byShape = new Map<number, Route[]>();

  constructor(
    operations: Operation[],
    private readonly options: { apiRoot: string; ignoreTrailingSlashes: boolean },
  ) {
    // Most literal first, so a path without parameters wins over any template it fits.
    for (const route of operations.map(compile).sort((a, b) => b.literalLength - a.literalLength)) {
      const shape = slashes(route.operation.path);
      const routes = this.byShape.get(shape);
      if (routes) routes.push(route);
      else this.byShape.set(shape, [route]);
    }
  }

  /** `method` in lower case, `path` as the request has it (query and trailing slashes are left out here). */
  match(method: string, path: string): RouteMatch {
    const relative = this.relative(requestPath(path));
    const methods: string[] = [];
    if (relative === null) return { operation: null, methods };
    for (const route of this.byShape.get(slashes(relative)) ?? []) {
      const values = fit(route, relative);
      if (!values) continue;
      if (route.operation.method === method) return { operation: route.operation, params: paramsOf(route, values) };
      methods.push(route.operation.method);
    }
    return { operation: null, methods };
  }

  /** Whether some operation has this path, whatever its method: a path that is not the API's belongs to the host. */
  servesPath(path: string): boolean {
    const relative = this.relative(requestPath(path));
    return relative !== null && (this.byShape.get(slashes(relative)) ?? []).some((route) => fit(route, relative) !== null);
  }

  /** The path below the API root without trailing slashes (upstream's normalizePath), or null outside the root. */
  private relative(path: string): string | null {
    let relative = path;
    const { apiRoot, ignoreTrailingSlashes } = this.options;
    if (apiRoot !== '/') {
      const root = apiRoot.replace(/\/$/, '');
      if (path === root) relative = '/';
      else if (path.startsWith(`${root}/`)) relative = path.slice(root.length) || '/';
      else return null;
    }
    if (ignoreTrailingSlashes) {
      let end = relative.length;
      while (end > 1 && relative.charCodeAt(end - 1) === 47) end--;
      relative = relative.slice(0, end);
    }
    return relative;
  }
}

/** Path parameters, percent-decoded; {} when one does not decode, as upstream gives. */
function paramsOf(route: Route, values: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  try {
    for (let i = 0; i < route.names.length; i++) params[route.names[i]!] = decoded(values[i]!);
  } catch {
    return {};
  }
  return params;
}

/** decodeURIComponent, which gives text without a `%` back as it is (and throws as it does otherwise). */
export function decoded(text: string): string {
  return text.includes('%') ? decodeURIComponent(text) : text;
}
