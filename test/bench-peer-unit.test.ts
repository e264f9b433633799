import { describe, expect, it } from 'vitest';
import { RoomTokens } from '../src/auth/tokens.js';
import type { StoredRoom } from '../src/store/store.js';

/** What the benchmark's token-signing peer answers must be an owner token our server takes, or its row compares unlike work. */
describe('the benchmark peer\'s owner tokens', () => {
  it('are owner tokens of the room, as this server signs them', async () => {
    // @ts-expect-error: a benchmark module, plain JavaScript without types
    const { createRoom, ownerToken } = (await import('../bench/servers/rooms.mjs')) as {
      createRoom: (input: { title: string; visibility: string }) => { id: number; createdAt: string };
      ownerToken: (room: { id: number; createdAt: string }, secret: string) => string;
    };
    const room = createRoom({ title: 'Peer token room', visibility: 'public' });
    const stored = { ...room, passwordHash: '' } as unknown as StoredRoom;
    const secret = 'bench-secret-key-0123456789abcdef';
    const tokens = new RoomTokens(secret, 60);
    expect(tokens.isOwner(stored, ownerToken(room, secret))).toBe(true);
    expect(tokens.isOwner(stored, ownerToken(room, `${secret}x`))).toBe(false);
    expect(tokens.isOwner({ ...stored, id: stored.id + 1 }, ownerToken(room, secret))).toBe(false);
  });
});
