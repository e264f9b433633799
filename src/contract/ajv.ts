import type { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

/** The formats the documents use, the same for the server's validation and for the tests' checks. */
export function configureAjv<T extends Ajv>(ajv: T): T {
  addFormats.default(ajv);
  // Not checked: `password` only tells renderers to hide the value; int64 fits a JS number for our ids.
  ajv.addFormat('password', true);
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  return ajv;
}
