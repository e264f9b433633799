/**
 * The one folding of names: room titles and user names that fold to the same key are the same
 * ("Ｃhat" and "chat"), for uniqueness and lookup. Both stores and every instance compare these keys.
 */
export function foldName(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}
