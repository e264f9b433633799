import { OpenAPIBackend, type Context, type Operation, type ParsedRequest, type Request } from 'openapi-backend';
import { andThen, isThenable, type MaybeAsync } from '../maybe-async.js';
import { compileRequestCheck, type RequestCheck } from './request-validation.js';
import { responseSerializers, type Serialize } from './response-serializers.js';
import { OperationRoutes, requestPath } from './router.js';

type Failure = { error: unknown };
/** Every valid request's validation result: one object, as nothing writes to it. */
const VALID: Context['validation'] = Object.freeze({ valid: true, errors: null });
const failed = (result: unknown): boolean => !result || (typeof result === 'object' && Boolean((result as Failure).error));

/** The method as upstream compares it, trimmed and in lower case; Node's parser gives these in upper case. */
function lowerCaseMethod(method: string): string {
  switch (method) {
    case 'GET':
      return 'get';
    case 'POST':
      return 'post';
    case 'PUT':
      return 'put';
    case 'DELETE':
      return 'delete';
    case 'PATCH':
      return 'patch';
    case 'HEAD':
      return 'head';
    case 'OPTIONS':
      return 'options';
    default:
      return method.trim().toLowerCase();
  }
}

/** What an operation needs at request time, worked out once from the document. */
interface Plan {
  operation: Operation;
  check: RequestCheck;
  /** The security scheme names its requirements mention, each once. */
  schemes: string[];
  /** Its JSON responses' serializers, by status. */
  serializers: Map<number, Serialize>;
}

/**
 * openapi-backend binds the document's operationIds to their handlers and compiles the request
 * validators from it; this subclass runs the request through them on a path planned once per operation
 * at init (OperationRoutes, compileRequestCheck), in upstream's order and with its results: the same
 * handler, context, security verdicts, validation errors and coerced values
 * (test/request-pipeline.test.ts runs both on random requests). Upstream, each request was routed by
 * rebuilding the operation list and a RegExp per template, parsed four times with lodash, and awaited at
 * every step; under load that was most of a getRoom's CPU.
 *
 * openapi-backend checks a definition against the OpenAPI 3.0 schema only, which rejects valid 3.1
 * documents (openapistack/openapi-backend#532); ours is linted as 3.1 by Redocly in `make test`.
 * This reaches into upstream's internals (handlers, securityHandlers, the steps' order), so package.json
 * pins openapi-backend to one exact version; moving it is a change of its own, with that test run against
 * the new version.
 */
export class OpenAPI31Backend extends OpenAPIBackend {
  private routes: OperationRoutes | undefined;
  private readonly plans = new Map<Operation, Plan>();

  override validateDefinition() {
    return this.document;
  }

  override async init() {
    await super.init();
    // Upstream's routing hooks have no place on this path: refused rather than silently not called.
    for (const hook of ['preRoutingHandler', 'postRoutingHandler'] as const) {
      if (this.handlers[hook]) throw new Error(`${hook} is not supported by this request path`);
    }
    const operations = this.router.getOperations();
    this.routes = new OperationRoutes(operations, { apiRoot: this.apiRoot, ignoreTrailingSlashes: this.ignoreTrailingSlashes });
    for (const operation of operations) {
      if (!operation.operationId) continue;
      this.plans.set(operation, {
        operation,
        check: compileRequestCheck(this.validator, operation),
        schemes: [...new Set((operation.security ?? []).flatMap((r) => Object.keys(r)))],
        serializers: responseSerializers(operation),
      });
    }
    return this;
  }

  /** The serializer of the JSON body the document declares for this operation's `status` response. */
  serializerFor(operation: Operation, status: number): Serialize {
    const serialize = this.plans.get(operation)?.serializers.get(status);
    if (!serialize) throw new Error(`${operation.operationId} declares no JSON body for ${status}`);
    return serialize;
  }

  /** Whether the document has this path (for any method); false before init. */
  servesPath(path: string): boolean {
    return this.routes?.servesPath(path) ?? false;
  }

  /** The methods (lower case) the document has for this path; none if it has not the path. */
  methodsOf(path: string): string[] {
    const match = this.routes?.match('', requestPath(path));
    return match && !match.operation ? match.methods : [];
  }

  override handleRequest(req: Request, ...args: unknown[]): Promise<unknown> {
    try {
      return Promise.resolve(this.handle(req, ...args));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * handleRequest's answer as soon as it is there: what the handler returned, when every step answered at
   * once; a promise otherwise. A failure at once is thrown. Wrapping an answer that is already there in a
   * promise cost about 1,300 instructions a getRoom.
   */
  handle(req: Request, ...args: unknown[]): MaybeAsync<unknown> {
    if (!this.routes) return this.init().then(() => this.handle(req, ...args));
    // Every field a step fills in is there from the start, so that filling it in does not change the object's shape.
    const context = { api: this, request: undefined, operation: undefined, security: undefined, validation: undefined, response: undefined } as unknown as Context;
    const answer = this.respond(context, req, args);
    const { postResponseHandler } = this.handlers;
    if (!postResponseHandler) return answer;
    return andThen(answer, (value) => {
      context.response = value;
      return postResponseHandler(context, ...args);
    });
  }

  /** Upstream's steps, strict mode (this server's): a failed check without its handler throws. Synchronous until a step is not. */
  private respond(context: Context, req: Request, args: unknown[]): unknown {
    const { handlers } = this;
    const method = lowerCaseMethod(req.method);
    const path = requestPath(req.path);
    const match = this.routes!.match(method, path);
    // Not copied: the request check copies what it coerces, and only a valid request's context gets that copy.
    const query = (req.query && typeof req.query === 'object' ? req.query : {}) as Record<string, string | string[]>;
    const headers = req.headers as Record<string, string | string[]>;
    let requestBody = req.body;
    if (req.body && typeof req.body !== 'object') {
      try {
        requestBody = JSON.parse(String(req.body));
      } catch {
        // malformed JSON stays as it is: validation reports it
      }
    }
    const parsed = { method, path, params: {} as Record<string, string>, headers, query, cookies: {}, body: req.body, requestBody };
    context.request = parsed as ParsedRequest;
    if (!match.operation) {
      const fallback = handlers['404'] ?? handlers.notFound;
      const handler = match.methods.length ? (handlers['405'] ?? handlers.methodNotAllowed ?? fallback) : fallback;
      if (!handler) throw Error(match.methods.length ? '405-methodNotAllowed: this method is not registered for the route' : '404-notFound: no route matches request');
      return handler(context, ...args);
    }
    const plan = this.plans.get(match.operation)!;
    context.operation = match.operation;
    parsed.params = match.params;
    if (!plan.schemes.length) return this.afterSecurity(context, plan, {}, args);
    return this.securityResults(context, plan, args).then((results) => this.afterSecurity(context, plan, results, args));
  }

  /**
   * Each scheme's handler, awaited in turn; a handler that throws is a failed scheme. Upstream starts them
   * together: the results are the same for handlers that do not wait on each other (this server's two
   * share one memoized check per request).
   */
  private async securityResults(context: Context, plan: Plan, args: unknown[]): Promise<Record<string, unknown>> {
    const results: Record<string, unknown> = {};
    for (const name of plan.schemes) {
      const handler = this.securityHandlers[name];
      results[name] = undefined;
      if (!handler) continue;
      try {
        results[name] = await handler(context, ...args);
      } catch (error) {
        results[name] = { error: error || new Error('security handler rejected') };
      }
    }
    return results;
  }

  private afterSecurity(context: Context, plan: Plan, results: Record<string, unknown>, args: unknown[]): unknown {
    const requirements = plan.operation.security ?? [];
    // One requirement object satisfied is enough; within it, every scheme must be.
    const authorized = requirements.some((requirement) => Object.keys(requirement).every((name) => !failed(results[name])));
    // The results are this request's own object: completed, not copied (a copy with a property added
    // costs about a microsecond on Node 20's V8).
    results.authorized = authorized;
    context.security = results as Context['security'];
    const { postSecurityHandler } = this.handlers;
    const after = postSecurityHandler ? postSecurityHandler(context, ...args) : undefined;
    if (isThenable(after)) return Promise.resolve(after).then(() => this.authorized(context, plan, authorized, args));
    return this.authorized(context, plan, authorized, args);
  }

  private authorized(context: Context, plan: Plan, authorized: boolean, args: unknown[]): unknown {
    if (!authorized && plan.operation.security?.length) {
      if (this.handlers.unauthorizedHandler) return this.handlers.unauthorizedHandler(context, ...args);
      throw Error(`401-unauthorized: ${plan.operation.operationId} request did not satisfy security requirements and no unauthorizedHandler is registered`);
    }
    return this.validated(context, plan, args);
  }

  private validated(context: Context, plan: Plan, args: unknown[]): unknown {
    const { handlers } = this;
    const { operationId } = plan.operation;
    if (typeof this.validate === 'function' ? this.validate(context, ...args) : this.validate) {
      const errors = plan.check(context.request as never);
      context.validation = errors ? { valid: false, errors } : VALID;
      if (errors) {
        const fail = handlers['400'] ?? handlers.validationFail;
        if (!fail) throw Error(`400-validationFail: ${operationId} request failed validation and no validationFail handler is registered`);
        return fail(context, ...args);
      }
    }
    if (handlers.preOperationHandler) {
      const before = handlers.preOperationHandler(context, ...args);
      if (isThenable(before)) return Promise.resolve(before).then(() => this.operate(context, operationId!, args));
    }
    return this.operate(context, operationId!, args);
  }

  private operate(context: Context, operationId: string, args: unknown[]): unknown {
    const { handlers } = this;
    const handler = handlers[operationId];
    if (handler) return handler(context, ...args);
    const notImplemented = handlers['501'] ?? handlers.notImplemented;
    if (!notImplemented) throw Error(`501-notImplemented: ${operationId} no handler registered`);
    return notImplemented(context, ...args);
  }
}
