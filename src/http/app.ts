import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Context } from 'openapi-backend';
import serveStatic from 'serve-static';
import { CHECKED_SCHEMAS, configureAjv } from '../contract/ajv.js';
import { OpenAPI31Backend } from '../contract/backend.js';
import { decoded } from '../contract/router.js';
import { toApiError } from '../contract/validation-errors.js';
import type { Config } from '../config.js';
import { ApiError, failureOf } from '../errors.js';
import { isThenable } from '../maybe-async.js';
import { requestLogger, type Logger } from '../logger.js';
import { isIdText } from '../rooms/ids.js';
import { bodyReader, runMiddleware } from './body.js';
import { splitUrl } from './mount.js';
import { operationHandlers, type HandlerDeps } from './handlers.js';
import { RateLimitedError } from './limits.js';
import { replyError } from './reply.js';
import { authorizeBeforeBody, roomTokenSecurityHandler } from './room-access.js';

export interface AppDeps extends HandlerDeps {
  config: Config;
  logger: Logger;
}

/**
 * Node's request listener, and connect-style middleware too: `req.url` is the path below the base
 * path. Given `next`, a path the API does not have goes on to it untouched (body unread, no rate-limit
 * point spent); without it, the API answers 601.
 */
export type RequestListener = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE']);
/** When a response began, for its log line. */
const STARTED = Symbol('started');

/**
 * The URL as the request log shows it: each query value replaced unless it is a number as ids and cursors
 * are (isIdText), and so is a part with no `=`, which a client may have put a token in whole (`/chats?eyJ...`).
 */
export function loggableUrl(url: string): string {
  const { path, query } = splitUrl(url);
  if (!query) return path;
  const parts = query.slice(1).split('&').map((part) => {
    const at = part.indexOf('=');
    if (isIdText(part.slice(at + 1))) return part;
    return at < 0 ? '[redacted]' : `${part.slice(0, at)}=[redacted]`;
  });
  return `${path}?${parts.join('&')}`;
}

/** Body reading failures (body.ts's, typed as raw-body and body-parser type theirs), by their `type`, as codes of the spec's catalog; other client-side ones are 103. */
const BODY_ERRORS: Record<string, ApiError> = {
  'entity.too.large': new ApiError(603),
  'charset.unsupported': new ApiError(604, 'Content-Type'),
  'encoding.unsupported': new ApiError(604, 'Content-Encoding'),
};

/** Binds every operationId of the contract to its handler; validation and security come from the spec. */
async function createApiBackend(deps: AppDeps): Promise<OpenAPI31Backend> {
  const { contract } = deps;
  const api = new OpenAPI31Backend({
    definition: structuredClone(contract.openapi) as never,
    strict: true,
    // Response validators are never used at run time (tests check responses against the spec), so they
    // are not compiled; init compiles the request validators (OpenAPI31Backend plans each operation).
    quick: true,
    coerceTypes: true,
    // allErrors: so a wrong type can be reported ahead of a conditional rule Ajv happened to check first.
    ajvOpts: { ...CHECKED_SCHEMAS, allErrors: true, useDefaults: true },
    customizeAjv: (ajv) => configureAjv(ajv),
  });
  api.register(operationHandlers(deps) as never);
  // Both schemes read the same Authorization header; authorizedRoom reads the verdict under roomToken.
  const security = roomTokenSecurityHandler(deps.rooms, deps.tokens, deps.config.chitchatCompat);
  api.registerSecurityHandler('roomToken', security);
  api.registerSecurityHandler('chitchatAuthorization', security);
  api.register({
    postSecurityHandler: (c: Context) => authorizeBeforeBody(c, deps.config.chitchatCompat),
    validationFail: (c: Context) => {
      throw toApiError(c.validation.errors ?? []);
    },
    notFound: () => {
      throw new ApiError(601);
    },
    methodNotAllowed: (c: Context, _req: IncomingMessage, res: ServerResponse) => {
      const methods = api.methodsOf(c.request.path);
      res.setHeader('Allow', HTTP_METHODS.filter((method) => methods.includes(method)).map((m) => m.toUpperCase()).join(', '));
      throw new ApiError(602);
    },
  });
  return api.init();
}

/**
 * The HTTP side on Node's own server: rate limit, body, then openapi-backend routes, validates and
 * calls the operation's handler. No web framework in between: express alone, with a trivial route,
 * served about a quarter of bare Node's requests per second here, and the benchmark asks for 70%.
 */
export async function createApp(deps: AppDeps): Promise<RequestListener> {
  const { config, contract, logger } = deps;
  const api = await createApiBackend(deps);
  const readBody = bodyReader(config.bodyLimitBytes, contract.jsonTextMediaTypes);
  // No index files, so no redirect of a folder to its slash either: a folder serves nothing (601).
  const staticFiles = config.staticDir ? serveStatic(config.staticDir, { index: false, redirect: false }) : null;
  const requestLog = requestLogger(logger);
  /**
   * One line per request: method, path, status and time only; headers and bodies stay out of the log,
   * and so do query values, which may be tokens, but for numbers (limit, cursor). One listener for every
   * response that may have a line, with its start kept on the response, rather than a closure for each.
   */
  function logOnClose(this: ServerResponse & { [STARTED]?: number }): void {
    const finished = this.writableFinished;
    const level = !finished ? 'warn' : this.statusCode >= 500 ? 'error' : 'info';
    if (!requestLog.isLevelEnabled(level)) return;
    requestLog[level](
      { req: { method: this.req.method, url: loggableUrl(this.req.url ?? '/') }, res: { statusCode: this.statusCode }, responseTime: Math.round(performance.now() - this[STARTED]!) },
      finished ? 'request completed' : 'request aborted',
    );
  }

  /** The rate limit, then the body; synchronous when neither has to wait (no limit, no body). */
  function handle(req: IncomingMessage, res: ServerResponse): Promise<unknown> | unknown {
    const url = req.url ?? '/';
    const { path, query } = splitUrl(url);
    const limited = path === '/chats' || path.startsWith('/chats/') ? deps.limits.request(req) : undefined;
    if (limited) return limited.then(() => withBody(req, res, url, path, query));
    return withBody(req, res, url, path, query);
  }

  function withBody(req: IncomingMessage, res: ServerResponse, url: string, path: string, query: string): Promise<unknown> | unknown {
    // GET, HEAD and DELETE have no body in the document: a stray one is left unread (Node discards it), not refused.
    if (BODYLESS.has(req.method ?? 'GET')) return route(req, res, url, path, query, undefined, req.headers);
    return readBody(req).then(({ body, headers }) => route(req, res, url, path, query, body, headers));
  }

  function route(req: IncomingMessage, res: ServerResponse, url: string, path: string, query: string, body: unknown, headers: IncomingHttpHeaders): Promise<unknown> | unknown {
    // A path that is not valid percent-encoding names no room and no route.
    try {
      decoded(path);
    } catch {
      throw new ApiError(path.startsWith('/chats/') ? 101 : 601);
    }
    if (staticFiles && path.startsWith('/static/')) {
      // ChitChat's Static directory under /static/; serve-static reads the path from req.url.
      req.url = url.slice('/static'.length);
      return runMiddleware(staticFiles, req, res).then(() => {
        if (res.headersSent) return;
        req.url = url; // not a file there: the API answers (601)
        return operate(req, res, path, query, body, headers);
      });
    }
    return operate(req, res, path, query, body, headers);
  }

  function operate(req: IncomingMessage, res: ServerResponse, path: string, query: string, body: unknown, headers: IncomingHttpHeaders): unknown {
    // No query, nothing to parse: querystring's parse builds its object and reads its options even for ''.
    const parsedQuery = query.length > 1 ? parseQuery(query.slice(1)) : {};
    return api.handle(
      // HEAD is answered as GET without its body (Node drops it), as HTTP says.
      { method: req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET'), path, query: parsedQuery as never, headers: headers as never, body: body as never },
      req,
      res,
    );
  }

  function fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    const bodyError = err as { type?: string; status?: number };
    // The client went away before its body was read: nothing more to say, and nobody to say it to.
    if (bodyError.type === 'request.aborted') return void res.destroy();
    if (res.headersSent) {
      logger.error({ err, req: { method: req.method, url: loggableUrl(req.url ?? '/') } }, 'failed after the response started');
      res.destroy();
      return;
    }
    const known = bodyError.type ? BODY_ERRORS[bodyError.type] : undefined;
    if (known) return replyError(res, contract, known);
    if (bodyError.type && bodyError.status && bodyError.status < 500) return replyError(res, contract, new ApiError(103));
    const { error, unexpected } = failureOf(err);
    if (error instanceof RateLimitedError) res.setHeader('Retry-After', error.retryAfterSeconds);
    if (unexpected) logger.error({ err, req: { method: req.method, url: loggableUrl(req.url ?? '/') } }, 'unhandled error');
    else if (error.code === 701) logger.warn({ err }, 'store unavailable');
    replyError(res, contract, error);
  }

  const servesPath = (url: string) => {
    const { path } = splitUrl(url);
    return api.servesPath(path) || (staticFiles !== null && path.startsWith('/static/'));
  };

  return (req, res, next) => {
    if (next && !servesPath(req.url ?? '/')) return next();
    (res as ServerResponse & { [STARTED]?: number })[STARTED] = performance.now();
    let answer: unknown;
    try {
      answer = handle(req, res);
    } catch (err) {
      fail(req, res, err);
    }
    if (isThenable(answer)) Promise.resolve(answer).catch((err: unknown) => fail(req, res, err));
    // Below info, a line is written for a 5xx, or for a response not finished when it closes. One ended by
    // now and not a 5xx gets no listener (about 550 instructions a getRoom at warn): at most, a client gone
    // before taking its bytes goes unlogged. 'close' comes on a later tick, so no other line is missed.
    if (!res.writableEnded || res.statusCode >= 500 || requestLog.isLevelEnabled('info')) res.on('close', logOnClose);
  };
}
