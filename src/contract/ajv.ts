import type { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Options for the Ajv instances that compile the documents' schemas at run time. Those schemas were checked
 * against the JSON Schema meta-schema already (`make test` compiles every one with strict Ajv 2020, and
 * Redocly and Spectral lint them), so no instance compiles the meta-schema again: openapi-backend makes an
 * Ajv instance per operation and per part of it, and each one compiling the meta-schema cost the server
 * some 6 to 10 MB of resident memory at start (85-91 against 79-82 MB).
 */
export const CHECKED_SCHEMAS = { validateSchema: false } as const;

/** The formats the documents use, the same for the server's validation and for the tests' checks. */
export function configureAjv<T extends Ajv>(ajv: T): T {
  addFormats.default(ajv);
  // Not checked: `password` only tells renderers to hide the value; int64 fits a JS number for our ids.
  ajv.addFormat('password', true);
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  return ajv;
}
