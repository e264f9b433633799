import type { Operation } from 'openapi-backend';

/** A path template of the document, with the operations it has. */
interface Template {
  /** The template's segments after its leading slash: each a literal, or null for a parameter. */
  segments: (string | null)[];
  /** The path parameters of the path being matched, which fits the template, percent-decoded; throws when one does not decode. */
  params: (path: string) => Record<string, string>;
  /** Its operations by method (lower case), in the document's order: a 405 lists them so. */
  operations: Map<string, Operation>;
}

/** What a request's method and path come to: its operation and path parameters, or the methods its path has (none: 404). */
export type RouteMatch = { operation: Operation; params: Record<string, string> } | { operation: null; methods: string[] };

const PARAMETER = /\{([^}]+)\}/g;
const SLASH = 47;
/**
 * Where the slashes of the path being matched are, found once by `scanSlashes` and read by `fit` and the
 * templates' `params` (a match runs to its end without yielding). Each indexOf is a call of its own, and
 * upstream's order had every template look for them again.
 */
const slashAt = new Int32Array(64);

/**
 * A template as segments. Upstream matches a template as a RegExp with `([^/]+)` for each parameter; a
 * parameter that is a whole segment matches exactly the non-empty segments, so the segments are compared
 * as strings instead (no RegExp run or match array a request). A parameter sharing its segment with
 * literal text (`/files/{name}.json`) would need the RegExp: the document has none, and one is refused
 * at start rather than matched otherwise.
 */
function compile(operation: Operation): Template {
  const names = [...operation.path.matchAll(PARAMETER)].map((m) => m[1]!);
  const segments = operation.path.split('/').slice(1).map((segment) => {
    if (!segment.includes('{')) return segment;
    if (!/^\{[^}]+\}$/.test(segment)) throw new Error(`${operation.operationId}: path ${operation.path} has a parameter that is not a whole segment`);
    return null;
  });
  if (segments.length >= slashAt.length) throw new Error(`${operation.operationId}: path ${operation.path} has more than ${slashAt.length - 1} segments`);
  return { segments, params: paramsBuilder(segments, names), operations: new Map() };
}

/**
 * The template's params as an object literal of its own, compiled at start: its parameter names as keys
 * written in the code, so that each of its objects has one shape from the start. Set by name at run time,
 * each key cost a megamorphic store (about 370 instructions a getRoom).
 */
function paramsBuilder(segments: (string | null)[], names: string[]): Template['params'] {
  const fields: string[] = [];
  segments.forEach((literal, k) => {
    if (literal !== null) return;
    const name = names[fields.length]!;
    // In a literal, "__proto__" would set the prototype rather than a key.
    if (name === '__proto__') throw new Error('a path parameter named __proto__ is not supported');
    const end = k + 1 < segments.length ? `, at[${k + 1}]` : '';
    fields.push(`${JSON.stringify(name)}: decoded(path.slice(at[${k}] + 1${end}))`);
  });
  // The names are the document's, each written as a JSON string, which is a JavaScript string literal.
  return new Function('decoded', 'at', `return (path) => ({ ${fields.join(', ')} });`)(decoded, slashAt) as Template['params'];
}

/** Whether `path`, whose slashes scanSlashes found, as many as the template's, fits the template. */
function fit(template: Template, path: string): boolean {
  const { segments } = template;
  const last = segments.length - 1;
  for (let k = 0; k <= last; k++) {
    const start = slashAt[k]! + 1;
    const end = k < last ? slashAt[k + 1]! : path.length;
    const literal = segments[k] as string | null;
    if (literal === null ? end === start : end - start !== literal.length || !path.startsWith(literal, start)) return false;
  }
  return true;
}

/** The path's slashes into slashAt, and their number; past `most`, no template can fit and the count stops at most + 1. */
function scanSlashes(path: string, most: number): number {
  let count = 0;
  for (let i = path.indexOf('/'); i >= 0 && count <= most; i = path.indexOf('/', i + 1)) slashAt[count++] = i;
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
 * The first character of a path's first segment, the slash for an empty one: a template whose first
 * segment is literal text fits only paths whose first segment starts as its does.
 */
function firstCharacter(path: string): number {
  return path.length > 1 ? path.charCodeAt(1) : SLASH;
}

/** What firstCharacter gives for every path whose first segment the template's literal one fits; null for a parameter. */
function literalStart(template: Template): number | null {
  const first = template.segments[0]!;
  if (first === null) return null;
  return first.length ? first.charCodeAt(0) : SLASH;
}

/** Templates with as many slashes, in the order they are tried, by the first character of a path's first segment. */
class Shape {
  private readonly byFirstCharacter = new Map<number, Template[]>();
  /** What a path whose first segment starts no literal one can fit: the templates that start with a parameter. */
  private readonly parameterFirst: Template[];

  constructor(templates: Template[]) {
    this.parameterFirst = templates.filter((t) => literalStart(t) === null);
    for (const template of templates) {
      const code = literalStart(template);
      if (code === null || this.byFirstCharacter.has(code)) continue;
      this.byFirstCharacter.set(code, templates.filter((t) => literalStart(t) === null || literalStart(t) === code));
    }
  }

  candidates(path: string): Template[] {
    return this.byFirstCharacter.get(firstCharacter(path)) ?? this.parameterFirst;
  }
}

/**
 * The document's operations by method and path, matched as openapi-backend's router matches them (the
 * operation, its 405 and 404, path parameters percent-decoded; test/request-pipeline.test.ts compares
 * the two), with its per-request work done once: upstream rebuilds its operation list and a RegExp per
 * template on every match, and parses the path again on each of the four times it parses a request.
 * A request tries only the templates of its shape (as many slashes) whose first segment can fit its
 * own, and each template once for all its methods.
 */
export class OperationRoutes {
  /** By the number of slashes. */
  private readonly shapes: (Shape | undefined)[] = [];

  constructor(
    operations: Operation[],
    private readonly options: { apiRoot: string; ignoreTrailingSlashes: boolean },
  ) {
    // Most literal first (a stable sort: the document's order among equals), so a path without
    // parameters wins over any template it fits. A path's operations are adjacent in that order.
    const templates = new Map<string, Template>();
    for (const operation of [...operations].sort((a, b) => literalLength(b.path) - literalLength(a.path))) {
      let template = templates.get(operation.path);
      if (!template) templates.set(operation.path, (template = compile(operation)));
      template.operations.set(operation.method, operation);
    }
    const byShape = new Map<number, Template[]>();
    for (const [path, template] of templates) {
      // A parameter matches `[^/]+`, so a path fits a template only if both have as many slashes
      // (compile refused templates with more than slashAt holds).
      const shape = scanSlashes(path, slashAt.length - 1);
      byShape.set(shape, [...(byShape.get(shape) ?? []), template]);
    }
    for (const [shape, list] of byShape) this.shapes[shape] = new Shape(list);
  }

  /** `method` in lower case, `path` as requestPath gives it (trailing slashes are left out here). */
  match(method: string, path: string): RouteMatch {
    const relative = this.relative(path);
    let methods: string[] | undefined;
    if (relative !== null) {
      for (const template of this.candidates(relative)) {
        if (!fit(template, relative)) continue;
        const operation = template.operations.get(method);
        if (operation) return { operation, params: paramsOf(template, relative) };
        (methods ??= []).push(...template.operations.keys());
      }
    }
    return { operation: null, methods: methods ?? [] };
  }

  /** Whether some operation has this path, whatever its method: a path that is not the API's belongs to the host. */
  servesPath(path: string): boolean {
    const relative = this.relative(requestPath(path));
    return relative !== null && this.candidates(relative).some((template) => fit(template, relative));
  }

  private candidates(relative: string): Template[] {
    return this.shapes[scanSlashes(relative, this.shapes.length - 1)]?.candidates(relative) ?? [];
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
      while (end > 1 && relative.charCodeAt(end - 1) === SLASH) end--;
      relative = relative.slice(0, end);
    }
    return relative;
  }
}

/** Length of a template's literal part. */
function literalLength(path: string): number {
  return path.split(PARAMETER).filter((_, i) => i % 2 === 0).join('').length;
}

/** Path parameters, percent-decoded; {} when one does not decode, as upstream gives. */
function paramsOf(template: Template, path: string): Record<string, string> {
  try {
    return template.params(path);
  } catch {
    return {};
  }
}

/** decodeURIComponent, which gives text without a `%` back as it is (and throws as it does otherwise). */
export function decoded(text: string): string {
  return text.includes('%') ? decodeURIComponent(text) : text;
}
