import { OpenAPIBackend, type Context, type Operation, type Request } from 'openapi-backend';
import { installRequestValidation } from './request-validation.js';
import { CompiledRouter } from './router.js';

type Failure = { error: unknown };
const failed = (result: unknown): boolean => !result || (typeof result === 'object' && Boolean((result as Failure).error));

/**
 * openapi-backend checks a definition against the OpenAPI 3.0 schema only, which rejects valid 3.1
 * documents (openapistack/openapi-backend#532). Ours is linted as 3.1 by Redocly in `make test`.
 * Routing and request validation do once, at start, what upstream does on every request (see
 * CompiledRouter and installRequestValidation), and handleRequest runs upstream's steps in upstream's
 * order without its extra parse of every request and its lodash and Promise machinery around security
 * (test/request-pipeline.test.ts runs both on the same requests). It reaches into upstream's
 * internals (handlers, validator.router, the steps' order), so package.json pins openapi-backend to one
 * exact version; moving it is a change of its own, with that test run against the new version.
 */
export class OpenAPI31Backend extends OpenAPIBackend {
  private readonly schemes = new Map<Operation, string[]>();
  private compiled: CompiledRouter | undefined;

  override validateDefinition() {
    return this.document;
  }

  override async init() {
    await super.init();
    const router = new CompiledRouter({ definition: this.definition, apiRoot: this.apiRoot, ignoreTrailingSlashes: this.ignoreTrailingSlashes });
    this.router = this.compiled = router;
    this.validator.router = router;
    installRequestValidation(this.validator, router);
    return this;
  }

  /** Whether the document has this path (for any method); false before init. */
  servesPath(path: string): boolean {
    return this.compiled?.servesPath(path) ?? false;
  }

  override async handleRequest(req: Request, ...args: unknown[]): Promise<unknown> {
    if (!this.initialized) await this.init();
    const context = { api: this } as unknown as Context;
    const response = await this.respond(context, req, args);
    const postResponse = this.handlers.postResponseHandler;
    if (!postResponse) return response;
    context.response = response;
    return postResponse(context, ...args);
  }

  /** Upstream's steps, strict mode (this server's): a failed check without its handler throws. */
  private async respond(context: Context, req: Request, args: unknown[]): Promise<unknown> {
    const { handlers } = this;
    let operation: Operation;
    try {
      operation = this.router.matchOperation(req, true);
    } catch (err) {
      context.request = this.router.parseRequest(req);
      let handler = handlers['404'] ?? handlers.notFound;
      if (err instanceof Error && err.message.startsWith('405')) handler = handlers['405'] ?? handlers.methodNotAllowed ?? handler;
      if (!handler) throw err;
      return handler(context, ...args);
    }
    context.operation = operation;
    context.request = this.router.parseRequest(req, operation);

    const requirements = operation.security ?? [];
    const results: Record<string, unknown> = {};
    for (const name of this.schemesOf(operation)) {
      const handler = this.securityHandlers[name];
      results[name] = undefined;
      if (!handler) continue;
      try {
        results[name] = await handler(context, ...args);
      } catch (error) {
        results[name] = { error: error || new Error('security handler rejected') };
      }
    }
    // One requirement object satisfied is enough; within it, every scheme must be.
    const authorized = requirements.some((requirement) => Object.keys(requirement).every((name) => !failed(results[name])));
    context.security = { ...results, authorized };
    if (handlers.postSecurityHandler) await handlers.postSecurityHandler(context, ...args);
    if (!authorized && requirements.length > 0) {
      if (handlers.unauthorizedHandler) return handlers.unauthorizedHandler(context, ...args);
      throw Error(`401-unauthorized: ${operation.operationId} request did not satisfy security requirements and no unauthorizedHandler is registered`);
    }

    if (typeof this.validate === 'function' ? this.validate(context, ...args) : this.validate) {
      context.validation = this.validator.validateRequest(req, operation);
      if (context.validation.errors) {
        const fail = handlers['400'] ?? handlers.validationFail;
        if (!fail) throw Error(`400-validationFail: ${operation.operationId} request failed validation and no validationFail handler is registered`);
        return fail(context, ...args);
      }
      if (this.validator.coerceTypes) context.request = this.router.parseRequest(context.validation.coerced, operation);
    }
    if (handlers.preOperationHandler) await handlers.preOperationHandler(context, ...args);
    const handler = handlers[operation.operationId!];
    if (!handler) {
      const notImplemented = handlers['501'] ?? handlers.notImplemented;
      if (!notImplemented) throw Error(`501-notImplemented: ${operation.operationId} no handler registered`);
      return notImplemented(context, ...args);
    }
    return handler(context, ...args);
  }

  /** The security scheme names an operation's requirements mention, each once. */
  private schemesOf(operation: Operation): string[] {
    let names = this.schemes.get(operation);
    if (!names) this.schemes.set(operation, (names = [...new Set((operation.security ?? []).flatMap((r) => Object.keys(r)))]));
    return names;
  }
}
