import type { IncomingMessage } from 'node:http';
import typeIs from 'type-is';
import { describe, expect, it } from 'vitest';
import { charsetOf, JSON_TYPES, PLAIN_JSON } from '../src/http/body.js';

describe('the body reader\'s Content-Types taken as they are', () => {
  it.each([...PLAIN_JSON])('reads %j as the parsers would: JSON, in UTF-8', (value) => {
    expect(typeIs.is(value, JSON_TYPES)).toBe('application/json');
    expect(['', 'utf-8']).toContain(charsetOf({ headers: { 'content-type': value } } as IncomingMessage));
  });
});
