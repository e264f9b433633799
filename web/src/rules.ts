import type { SchemaError, Validator } from 'virtual:chitchat-contract';

/** The property a schema error is about. */
function fieldOf(error: SchemaError): string {
  if (error.keyword === 'required') return String(error.params.missingProperty);
  return error.instancePath.split('/')[1] ?? '';
}

/** A schema error in words; the limits come from the schema (Ajv's params), not from this page. */
function wordsFor(error: SchemaError): string {
  const limit = Number(error.params.limit);
  switch (error.keyword) {
    case 'required':
      return 'Required.';
    case 'minLength':
      return limit === 1 ? 'Required.' : `At least ${limit} characters.`;
    case 'maxLength':
      return limit === 0 ? 'Not allowed here.' : `At most ${limit} characters.`;
    case 'pattern':
      return 'Contains characters that are not allowed (line breaks or other control characters).';
    case 'not':
      return 'Cannot be made only of digits and spaces: that would read as a room id.';
    default:
      return 'Not valid.';
  }
}

/** What the schema says about each field of `value`: a message per field, or none when it is valid. */
export function checkAgainst(validate: Validator, value: unknown): Map<string, string> {
  const problems = new Map<string, string>();
  if (validate(value)) return problems;
  for (const error of validate.errors ?? []) {
    const field = fieldOf(error);
    // The first problem of a field is the one to show; `if`/`then` wrappers add nothing to say.
    if (!problems.has(field) && error.keyword !== 'if') problems.set(field, wordsFor(error));
  }
  return problems;
}
