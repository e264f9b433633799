import type { ErrorObject } from 'ajv';
import { ApiError } from '../errors.js';

/** Ajv keywords that mean "not the right kind of value" rather than "a value breaking a rule". */
const WRONG_KIND = new Set(['type', 'parse']);

/**
 * The input an Ajv error is about, as a dotted path. `skip` drops location segments in front of it:
 * openapi-backend validates /requestBody/<prop>, /path/<name> and /query/<name>; a chat frame has none.
 */
export function fieldOf(error: ErrorObject, skip = 1): string | undefined {
  const segments = error.instancePath.split('/').slice(1 + skip).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  return segments.length ? segments.join('.') : undefined;
}

/**
 * One error model everywhere: a request the spec rejects becomes ChitChat's 103 (not JSON, or a
 * wrong type) or 105 (a broken constraint), naming the field.
 */
export function toApiError(errors: ErrorObject[]): ApiError {
  const first = firstError(errors);
  if (!first) return new ApiError(105);
  if (first.keyword === 'required' && first.params.missingProperty === 'requestBody') return new ApiError(103);
  return new ApiError(WRONG_KIND.has(first.keyword) ? 103 : 105, fieldOf(first));
}

/** The one failure to report: a wrong kind of value before a broken rule, which may only have failed because of it. */
export function firstError(errors: ErrorObject[]): ErrorObject | undefined {
  return errors.find((e) => WRONG_KIND.has(e.keyword)) ?? errors[0];
}
