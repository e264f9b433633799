import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Context, OpenAPIBackend } from 'openapi-backend';
import { OpenAPI31Backend } from '../contract/backend.js';
import addFormats from 'ajv-formats';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config.js';
import { ApiError, StoreUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { operationHandlers, type HandlerDeps } from './handlers.js';
import { replyError } from './reply.js';
import { roomTokenSecurityHandler } from './room-access.js';
import { toApiError } from './validation-errors.js';

export interface AppDeps extends HandlerDeps {
  config: Config;
  logger: Logger;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/** body-parser failures, by their `type`, as codes of the spec's catalog. */
const BODY_ERRORS: Record<string, ApiError> = {
  'entity.parse.failed': new ApiError(103),
  'entity.too.large': new ApiError(603),
  'entity.verify.failed': new ApiError(103),
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
    customizeAjv: (ajv) => {
      addFormats.default(ajv);
      ajv.addFormat('password', true);
      return ajv;
    },
  });
  api.register(operationHandlers(deps) as never);
  api.registerSecurityHandler('roomToken', roomTokenSecurityHandler(deps.rooms, deps.tokens));
  api.register({
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
    if (BODY_METHODS.has(req.method) && hasBody(req) && !req.is(['application/json', 'application/*+json'])) {
      return next(new ApiError(604, 'Content-Type'));
    }
    next();
  });
  app.use(express.json({ limit: config.bodyLimitBytes, strict: false, type: ['application/json', 'application/*+json'] }));
  app.use((req: Request, _res: Response, next: NextFunction) => {
    // body-parser reads an empty JSON body as {}; an empty body is no JSON document, so the spec sees none.
    if (!hasBody(req)) req.body = undefined;
    next();
  });

  if (config.staticDir) app.use('/static', express.static(config.staticDir));

  app.use((req: Request, res: Response, next: NextFunction) => {
    api
      .handleRequest(
        { method: req.method, path: req.path, query: req.query as never, headers: req.headers as never, body: req.body },
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
    const bodyError = (err as { type?: string })?.type;
    if (err instanceof ApiError) return replyError(res, contract, err);
    if (bodyError && BODY_ERRORS[bodyError]) return replyError(res, contract, BODY_ERRORS[bodyError]);
    if (err instanceof StoreUnavailableError) {
      req.log.warn({ err }, 'store unavailable');
      return replyError(res, contract, new ApiError(701));
    }
    req.log.error({ err }, 'unhandled error');
    replyError(res, contract, new ApiError(702));
  });

  return app;
}
