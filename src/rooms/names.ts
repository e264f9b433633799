/**
 * The one folding of names: room titles and user names that fold to the same key are the same
 * ("Ｃhat" and "chat", "Straße" and "STRASSE"), for uniqueness and lookup. Both stores and every instance
 * compare these keys. NFKC, then Unicode's full case mapping to upper case and back to lower case (which
 * takes ß to ss, as case folding does), then NFKC again: the SDKs fold titles the same way.
 */
export function foldName(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}
