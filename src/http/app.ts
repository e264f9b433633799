import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Context, OpenAPIBackend } from 'openapi-backend';
import { configureAjv } from '../contract/ajv.js';
import { OpenAPI31Backend } from '../contract/backend.js';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config.js';
import { ApiError, StoreUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { operationHandlers, type HandlerDeps } from './handlers.js';
import { replyError } from './reply.js';
import { roomTokenSecurityHandler, type RoomAccess } from './room-access.js';
import { toApiError } from './validation-errors.js';

export interface AppDeps extends HandlerDeps {
  config: Config;
  logger: Logger;
}

/** The request bodies openapi.yaml declares are application/json; +json types are JSON too. */
const JSON_TYPES = ['application/json', 'application/*+json'];
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/** body-parser failures, by their `type`, as codes of the spec's catalog; other client-side ones are 103. */
const BODY_ERRORS: Record<string, ApiError> = {
  'entity.too.large': new ApiError(603),
  'charset.unsupported': new ApiError(604, 'Content-Type'),
  'encoding.unsupported': new ApiError(604, 'Content-Encoding'),
};

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Binds every operationId of the contract to its handler; validation and security come from the spec. */
async function createApiBackend(deps: AppDeps): Promise<OpenAPIBackend> {
  const { contract } = deps;
  const api = new OpenAPI31Backend({
    definition: structuredClone(contract.openapi) as never,
    strict: true,
    coerceTypes: true,
    // verbose: errors carry their parentSchema, where `x-error-field` may name the field to report.
    // allErrors: so a wrong type can be reported ahead of a conditional rule Ajv happened to check first.
    ajvOpts: { verbose: true, allErrors: true, useDefaults: true },
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
      if (access && 'room' in access && access.room && access.room.visibility !== 'public' && access.tokenError) {
        throw access.tokenError;
      }
    },
    validationFail: (c: Context) => {
      throw toApiError(c.validation.errors ?? []);
    },
    notFound: () => {
      throw new ApiError(601);
    },
    methodNotAllowed: (c: Context, req: Request, res: Response) => {
      const allowed = HTTP_METHODS.filter((method) =>
        api.router.matchOperation({ method, path: req.path, headers: {} }),
      ).map((m) => m.toUpperCase());
      res.setHeader('Allow', allowed.join(', '));
      throw new ApiError(602);
    },
  });
  await api.init();
  return api;
}

export async function createApp(deps: AppDeps): Promise<express.Express> {
  const { config, contract, logger } = deps;
  const api = await createApiBackend(deps);
  const app = express();
  app.disable('x-powered-by');

  app.use(
    pinoHttp({
      logger,
      // Only method, path and status: headers (Authorization, Sec-WebSocket-Protocol) and bodies stay out.
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    }),
  );

  if (config.rateLimit > 0) {
    app.use(
      '/chats',
      rateLimit({
        windowMs: config.rateLimitWindowMs,
        limit: config.rateLimit,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        handler: (_req, res) => replyError(res, contract, new ApiError(605)),
      }),
    );
  }

  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (hasBody(req) && !req.is(JSON_TYPES)) return next(new ApiError(604, 'Content-Type'));
    next();
  });
  // Compressed bodies are refused (604) rather than inflated.
  app.use(express.json({ limit: config.bodyLimitBytes, strict: false, type: JSON_TYPES, inflate: false }));
  app.use((err: unknown, req: Request, _res: Response, next: NextFunction) => {
    // Malformed JSON goes on as text: openapi-backend reports it (103) after authorization, as ChitChat
    // authorized before reading the body.
    const failure = err as { type?: string; body?: string };
    if (failure.type !== 'entity.parse.failed') return next(err);
    req.body = failure.body ?? '';
    next();
  });
  app.use((req: Request, _res: Response, next: NextFunction) => {
    // body-parser reads an empty body as {}; an empty body is no JSON document, so the spec sees none.
    if (!hasBody(req)) req.body = undefined;
    // A path that is not valid percent-encoding names no room and no route.
    try {
      decodeURIComponent(req.path);
    } catch {
      return next(new ApiError(req.path.startsWith('/chats/') ? 101 : 601));
    }
    next();
  });

  if (config.staticDir) app.use('/static', express.static(config.staticDir));

  app.use((req: Request, res: Response, next: NextFunction) => {
    api
      .handleRequest(
        // HEAD is answered as GET without its body (Node drops it), as HTTP says.
        { method: req.method === 'HEAD' ? 'GET' : req.method, path: req.path, query: req.query as never, headers: req.headers as never, body: req.body },
        req,
        res,
      )
      .catch(next);
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      req.log.error({ err }, 'failed after the response started');
      return res.destroy();
    }
    const bodyError = err as { type?: string; status?: number };
    if (err instanceof ApiError) return replyError(res, contract, err);
    if (bodyError.type === 'request.aborted') return res.destroy();
    const known = bodyError.type ? BODY_ERRORS[bodyError.type] : undefined;
    if (known) return replyError(res, contract, known);
    if (bodyError.type && bodyError.status && bodyError.status < 500) return replyError(res, contract, new ApiError(103));
    if (err instanceof StoreUnavailableError) {
      req.log.warn({ err }, 'store unavailable');
      return replyError(res, contract, new ApiError(701));
    }
    req.log.error({ err }, 'unhandled error');
    replyError(res, contract, new ApiError(702));
  });

  return app;
}
