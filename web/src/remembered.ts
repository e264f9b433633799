/** What the page keeps for this visit only (in memory: a reload forgets it, and nothing is stored). */
export const remembered = {
  /** A room's password as its creator typed it, to fill in the entrance once. */
  passwords: new Map<number, string>(),
  /** The name and colour last used, to fill in the next entrance. */
  name: '',
  colour: '',
};
