import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadContract } from '../src/contract/document.js';
import { isIdText } from '../src/rooms/ids.js';

const { components } = loadContract().openapi as unknown as {
  components: {
    parameters: Record<string, { schema: { pattern: string } }>;
    schemas: Record<string, { properties: Record<string, { pattern: string }> }>;
  };
};
const patterns = [
  components.parameters.Cursor!.schema.pattern,
  components.schemas.RoomPage!.properties.next_cursor!.pattern,
  components.schemas.MessagePage!.properties.next_cursor!.pattern,
];

/** The hand-written id check (faster than the RegExp) against the pattern openapi.yaml gives ids. */
describe('isIdText', () => {
  it('reads ids by one pattern, the same in every place the document gives one', () => {
    expect(new Set(patterns).size).toBe(1);
  });

  it('accepts exactly what that pattern accepts', () => {
    const pattern = new RegExp(patterns[0]!);
    const text = fc.string({ unit: fc.constantFrom('0', '1', '9', '/', ':', ' ', 'a', '٣', '\n'), maxLength: 18 });
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ unit: fc.constantFrom('0', '5', '9'), maxLength: 18 }), fc.string()), (candidate) => {
        expect(isIdText(candidate)).toBe(pattern.test(candidate));
      }),
      { numRuns: 5000 },
    );
    for (const candidate of ['1', '123456789012345', '1234567890123456', '', '12a', '1\n', '٣']) {
      expect([candidate, isIdText(candidate)]).toEqual([candidate, pattern.test(candidate)]);
    }
  });
});
