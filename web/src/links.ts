/** The page's address for a room: /#/room/<id or title>, which can be shared. */
export const roomLink = (key: string) => `#/room/${encodeURIComponent(key)}`;

/** The room key of the current address, or null on any other page. */
export function roomKeyOf(hash: string): string | null {
  const match = /^#\/room\/(.+)$/.exec(hash);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}
