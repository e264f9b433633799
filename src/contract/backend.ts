import { OpenAPIBackend } from 'openapi-backend';
import { installRequestValidation } from './request-validation.js';
import { CompiledRouter } from './router.js';

/**
 * openapi-backend checks a definition against the OpenAPI 3.0 schema only, which rejects valid 3.1
 * documents (openapistack/openapi-backend#532). Ours is linted as 3.1 by Redocly in `make test`.
 * Routing and request validation do once, at start, what upstream does on every request (see
 * CompiledRouter and installRequestValidation).
 */
export class OpenAPI31Backend extends OpenAPIBackend {
  override validateDefinition() {
    return this.document;
  }

  override async init() {
    await super.init();
    const router = new CompiledRouter({ definition: this.definition, apiRoot: this.apiRoot, ignoreTrailingSlashes: this.ignoreTrailingSlashes });
    this.router = router;
    this.validator.router = router;
    installRequestValidation(this.validator, router);
    return this;
  }
}
