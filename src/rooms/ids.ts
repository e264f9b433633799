/**
 * Whether text is an id as the documents write one: one to fifteen digits, the pattern of openapi.yaml's
 * `cursor` and `next_cursor` (a room id or a message's seq). No title is one (the document's Title is not
 * made only of digits and spaces), so a path segment is an id or a title, never both. Read character by
 * character, not with that RegExp, whose call cost about 250 instructions a getRoom;
 * `test/ids-unit.test.ts` holds this to the document's pattern.
 */
export function isIdText(text: string): boolean {
  if (text.length === 0 || text.length > 15) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}
