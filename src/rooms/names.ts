import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../contract/document.js';

/**
 * UTS #39's confusable mapping of single code points (generated/confusables.json, written from ICU4J's
 * SpoofChecker by `make generate`): "е" (Cyrillic) is "e", "1" and "I" are "l", "rn" is what "m" looks like.
 */
const SKELETONS: ReadonlyMap<number, string> = new Map(
  Object.entries((JSON.parse(readFileSync(join(projectRoot(), 'generated', 'confusables.json'), 'utf8')) as { skeletons: Record<string, string> }).skeletons).map(
    ([codePoint, skeleton]) => [Number.parseInt(codePoint, 16), skeleton],
  ),
);

/** UTS #39's skeleton: NFD, each code point replaced by what it is confusable with, NFD again. */
function skeleton(text: string): string {
  let mapped = '';
  for (const char of text.normalize('NFD')) mapped += SKELETONS.get(char.codePointAt(0)!) ?? char;
  return mapped.normalize('NFD');
}

/** Unicode's full case mapping to upper case and back to lower case: ß becomes ss, as case folding has it. */
const caseFold = (text: string) => text.toUpperCase().toLowerCase();

/**
 * The one folding of names: room titles and user names that fold to the same key are the same, for
 * uniqueness and lookup, so that no room or chatter can pass for another ("Ｃhat" and "chat", "Straße"
 * and "STRASSE", "Secret" with a Cyrillic "е" and "Secret"). Both stores and every instance compare these
 * keys: NFKC, case folding, UTS #39's confusable skeleton (of the folded text, so that "ALICE" stays "alice"
 * and does not become "allce"), case folding again (a skeleton may be upper case: "0" is "O"), NFKC. A key
 * is for comparing, never for showing.
 */
export function foldName(name: string): string {
  // A longer text than a title or a user name takes the steps: its key would not fit asciiKey.
  if (name.length > ASCII_FOLD_LENGTH) return unicodeFold(name);
  let length = 0;
  for (let i = 0; i < name.length; i++) {
    const key = ASCII_KEYS[name.charCodeAt(i)];
    if (key === undefined) return unicodeFold(name);
    for (let k = 0; k < key.length; k++) asciiKey[length++] = key[k]!;
  }
  // One flat string: joined by `+`, a key would be a chain of string pieces kept with the stored room.
  // Read from bytes, not spread into fromCharCode from an array (about 800 instructions more a title).
  return asciiKey.toString('latin1', 0, length);
}

/** foldName's steps as they are; exported for the test that holds the ASCII shortcut to them. */
export function unicodeFold(name: string): string {
  return caseFold(skeleton(caseFold(name.normalize('NFKC')))).normalize('NFKC');
}

/**
 * Each ASCII character's key as character codes, where that is ASCII too ("%" becomes "°/₀"). On text
 * of such characters NFKC and NFD change nothing and the other steps map character by character, so its
 * key is its characters' keys joined: a twenty-character title's key in about 0.5 µs where the steps took
 * 1.4, which every createRoom, lookup by title and chatter's join paid.
 */
const ASCII_KEYS: readonly (readonly number[] | undefined)[] = Array.from({ length: 128 }, (_, code) => {
  const key = unicodeFold(String.fromCharCode(code));
  return /^[\x00-\x7f]*$/.test(key) ? [...key].map((char) => char.charCodeAt(0)) : undefined;
});

/** The longest text foldName keys from ASCII_KEYS. */
const ASCII_FOLD_LENGTH = 1024;
/** Where foldName writes an ASCII key (synchronously): room for the longest key such a text can have. */
const asciiKey = Buffer.allocUnsafe(ASCII_FOLD_LENGTH * Math.max(...ASCII_KEYS.map((key) => key?.length ?? 0)));
