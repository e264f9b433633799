import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Context } from 'openapi-backend';
import proxyaddr from 'proxy-addr';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import serveStatic from 'serve-static';
import { configureAjv } from '../contract/ajv.js';
import { OpenAPI31Backend } from '../contract/backend.js';
import { toApiError } from '../contract/validation-errors.js';
import type { Config } from '../config.js';
import type { RateLimiterOptions } from '../engines/index.js';
import { ApiError, failureOf } from '../errors.js';
import type { Logger } from '../logger.js';
import { needsToken } from '../rooms/access.js';
import { bodyReader, runMiddleware } from './body.js';
import { splitUrl } from './mount.js';
import { operationHandlers, type HandlerDeps } from './handlers.js';
import { replyError } from './reply.js';
import { roomTokenSecurityHandler, type RoomAccess } from './room-access.js';

export interface AppDeps extends HandlerDeps {
  config: Config;
  logger: Logger;
  rateLimiter(options: RateLimiterOptions): RateLimiterAbstract;
}

/**
 * Node's request listener, and connect-style middleware too: `req.url` is the path below the base
 * path. Given `next`, a path the API does not have goes on to it untouched (body unread, no rate-limit
 * point spent); without it, the API answers 601.
 */
export type RequestListener = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/** body-parser failures, by their `type`, as codes of the spec's catalog; other client-side ones are 103. */
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
    // are not compiled; request validators are compiled right after init, below.
    quick: true,
    coerceTypes: true,
    // allErrors: so a wrong type can be reported ahead of a conditional rule Ajv happened to check first.
    ajvOpts: { allErrors: true, useDefaults: true },
    customizeAjv: (ajv) => configureAjv(ajv),
  });
  api.register(operationHandlers(deps) as never);
  // Both schemes read the same Authorization header; requireRoomAccess reads the verdict under roomToken.
  const security = roomTokenSecurityHandler(deps.rooms, deps.tokens);
  api.registerSecurityHandler('roomToken', security);
  api.registerSecurityHandler('chitchatAuthorization', security);
  api.register({
    // ChitChat authorized before it read the body: a request without a valid token learns nothing about its body.
    postSecurityHandler: (c: Context) => {
      const access = c.security?.roomToken as RoomAccess | undefined;
      if (access && 'room' in access && access.room && needsToken(access.room) && access.tokenError) {
        throw access.tokenError;
      }
    },
    validationFail: (c: Context) => {
      throw toApiError(c.validation.errors ?? []);
    },
    notFound: () => {
      throw new ApiError(601);
    },
    methodNotAllowed: (c: Context, _req: IncomingMessage, res: ServerResponse) => {
      const allowed = HTTP_METHODS.filter((method) =>
        api.router.matchOperation({ method, path: c.request.path, headers: {} }),
      ).map((m) => m.toUpperCase());
      res.setHeader('Allow', allowed.join(', '));
      throw new ApiError(602);
    },
  });
  await api.init();
  for (const operation of api.router.getOperations()) api.validator.getRequestValidatorsForOperation(operation.operationId!);
  return api;
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
  const staticFiles = config.staticDir ? serveStatic(config.staticDir, { index: false }) : null;
  // Shared by every instance when the engines are Redis: N instances still give one limit per client.
  const limiter =
    config.rateLimit > 0 ? deps.rateLimiter({ name: 'rest', points: config.rateLimit, durationSeconds: config.rateLimitWindowMs / 1000 }) : null;
  // X-Forwarded-For names the client only when it comes from a proxy TRUST_PROXY lists.
  const trusted = config.trustProxy.length ? proxyaddr.compile(config.trustProxy) : null;
  const clientAddress = (req: IncomingMessage) => (trusted ? proxyaddr(req, trusted) : (req.socket.remoteAddress ?? ''));

  /** One line per request: method, path, status and time only; headers and bodies stay out of the log. */
  function logOnClose(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    res.once('close', () => {
      const finished = res.writableFinished;
      const level = !finished ? 'warn' : res.statusCode >= 500 ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        { req: { method: req.method, url: req.url }, res: { statusCode: res.statusCode }, responseTime: Math.round(performance.now() - started) },
        finished ? 'request completed' : 'request aborted',
      );
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const { path, query } = splitUrl(url);

    if (limiter && (path === '/chats' || path.startsWith('/chats/'))) {
      try {
        await limiter.consume(clientAddress(req));
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        res.setHeader('Retry-After', Math.ceil(refusal.msBeforeNext / 1000));
        throw new ApiError(605);
      }
    }

    const { body, headers } = await readBody(req, res);

    // A path that is not valid percent-encoding names no room and no route.
    try {
      decodeURIComponent(path);
    } catch {
      throw new ApiError(path.startsWith('/chats/') ? 101 : 601);
    }

    if (staticFiles && path.startsWith('/static/')) {
      // ChitChat's Static directory under /static/; serve-static reads the path from req.url.
      req.url = url.slice('/static'.length);
      await runMiddleware(staticFiles, req, res);
      if (res.headersSent) return;
      req.url = url; // not a file there: the API answers (601)
    }

    await api.handleRequest(
      // HEAD is answered as GET without its body (Node drops it), as HTTP says.
      { method: req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET'), path, query: parseQuery(query.slice(1)) as never, headers: headers as never, body: body as never },
      req,
      res,
    );
  }

  function fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      logger.error({ err, req: { method: req.method, url: req.url } }, 'failed after the response started');
      res.destroy();
      return;
    }
    const bodyError = err as { type?: string; status?: number };
    if (bodyError.type === 'request.aborted') return void res.destroy();
    const known = bodyError.type ? BODY_ERRORS[bodyError.type] : undefined;
    if (known) return replyError(res, contract, known);
    if (bodyError.type && bodyError.status && bodyError.status < 500) return replyError(res, contract, new ApiError(103));
    const { error, unexpected } = failureOf(err);
    if (unexpected) logger.error({ err, req: { method: req.method, url: req.url } }, 'unhandled error');
    else if (error.code === 701) logger.warn({ err }, 'store unavailable');
    replyError(res, contract, error);
  }

  const servesPath = (url: string) => {
    const { path } = splitUrl(url);
    return api.servesPath(path) || (staticFiles !== null && path.startsWith('/static/'));
  };

  return (req, res, next) => {
    if (next && !servesPath(req.url ?? '/')) return next();
    logOnClose(req, res);
    handle(req, res).catch((err: unknown) => fail(req, res, err));
  };
}
