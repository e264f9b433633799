import type { ErrorObject } from 'ajv';
import { ApiError } from '../errors.js';

/** Ajv keywords that mean "not the right kind of value" rather than "a value breaking a rule". */
const WRONG_KIND = new Set(['type', 'parse']);

/** The input an Ajv error is about: a body property or a parameter name, without its location prefix. */
function fieldOf(error: ErrorObject): string | undefined {
  const override = (error.parentSchema as Record<string, unknown> | undefined)?.['x-error-field'];
  if (typeof override === 'string') return override;
  // instancePath is /requestBody/<prop>... or /path/<name>, /query/<name>
  const segments = error.instancePath.split('/').slice(2).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  return segments.length ? segments.join('.') : undefined;
}

/**
 * One error model everywhere: a request the spec rejects becomes ChitChat's 103 (not JSON, or a
 * wrong type) or 105 (a broken constraint), naming the field. One failure is reported: a wrong
 * kind of value before a broken rule, since the rule may only have failed because of it.
 */
export function toApiError(errors: ErrorObject[]): ApiError {
  const first = errors.find((e) => WRONG_KIND.has(e.keyword)) ?? errors[0];
  if (!first) return new ApiError(105);
  if (first.keyword === 'required' && first.params.missingProperty === 'requestBody') return new ApiError(103);
  return new ApiError(WRONG_KIND.has(first.keyword) ? 103 : 105, fieldOf(first));
}
