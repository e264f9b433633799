import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldName, unicodeFold } from '../src/rooms/names.js';

/** foldName's ASCII shortcut against the steps it stands for. */
describe('foldName on ASCII text', () => {
  it('gives the key the Unicode steps give, for any ASCII text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((code) => String.fromCharCode(code)), maxLength: 40 }), (name) => {
        expect(foldName(name)).toBe(unicodeFold(name));
      }),
      { numRuns: 5000 },
    );
  });

  it('gives it for every character, those whose key is not ASCII included', () => {
    for (let code = 0; code < 128; code++) {
      const name = `a${String.fromCharCode(code)}Z`;
      expect([code, foldName(name)]).toEqual([code, unicodeFold(name)]);
    }
  });

  it('folds as the rules say: case, confusables, and "%" by the steps themselves', () => {
    expect(foldName('ALICE')).toBe('alice');
    expect(foldName('rn')).toBe(foldName('m'));
    expect(foldName('O1')).toBe(foldName('0l'));
    expect(foldName('Straße')).toBe(foldName('STRASSE'));
    expect(foldName('100%')).toBe(unicodeFold('100%'));
    expect(foldName('100%')).not.toBe(foldName('100'));
    expect(foldName('Ab1'.repeat(30_000))).toBe(unicodeFold('Ab1'.repeat(30_000)));
  });

  it('leaves text with any other character to the Unicode steps', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }), fc.string({ maxLength: 20 }), (before, other, after) => {
        const name = `${before}${other}${after}`;
        expect(foldName(name)).toBe(unicodeFold(name));
      }),
      { numRuns: 2000 },
    );
  });
});
