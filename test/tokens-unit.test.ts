import jwt from 'jsonwebtoken';
import jws from 'jws';
import { describe, expect, it } from 'vitest';
import { RoomTokens } from '../src/auth/tokens.js';
import { ApiError } from '../src/errors.js';
import { NOT_JSON_JWS, NOT_JSON_JWT } from './support/tokens.js';
import type { StoredRoom } from '../src/store/store.js';

/** The key derivation is ChitChat's wire contract: SECRET_KEY, then the password hash, then the id. */
const SECRET = 'unit-test-secret-key-0123456789';
const room: StoredRoom = {
  id: 7,
  title: 'Unit room',
  titleKey: 'unit room',
  description: '',
  visibility: 'private',
  passwordHash: '$2b$04$abcdefghijklmnopqrstuuJ0yQ0r8m1Dg1YJ7rWwA3nC2l6b6K0y',
  createdAt: '2020-01-01T00:00:00.000Z',
  updatedAt: '2020-01-01T00:00:00.000Z',
  revision: 0,
};
const key = `${SECRET}${room.passwordHash}${room.id}`;
const tokens = new RoomTokens(SECRET, 3600);
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? err.code : err;
  }
  return 'accepted';
};

describe('RoomTokens', () => {
  it('signs with SECRET_KEY + password hash + room id, as ChitChat did', () => {
    const issued = tokens.issue(room, 'ann');
    expect(jwt.verify(issued, key, { algorithms: ['HS256'] })).toMatchObject({ username: 'ann', room_id: 7 });
    const chitchatStyle = jwt.sign({ username: 'bob', room_id: 7 }, key, { algorithm: 'HS256', expiresIn: 60 });
    expect(tokens.verify(room, chitchatStyle)).toMatchObject({ username: 'bob', room_id: 7 });
  });

  it.each([
    ['another room_id', { username: 'x', room_id: 8 }, 403],
    ['a room_id as a string', { username: 'x', room_id: '7' }, 403],
    ['no username', { room_id: 7 }, 403],
    ['a numeric username', { username: 5, room_id: 7 }, 403],
  ])('refuses a correctly signed token with %s', (_case, claims, code) => {
    expect(codeOf(() => tokens.verify(room, jwt.sign(claims, key, { algorithm: 'HS256', expiresIn: 60 })))).toBe(code);
  });

  it('refuses a correctly signed token without exp', () => {
    expect(codeOf(() => tokens.verify(room, jwt.sign({ username: 'x', room_id: 7 }, key, { algorithm: 'HS256' })))).toBe(403);
  });

  it('makes owner tokens HS256 JWTs keyed by SECRET_KEY, the id and the creation time, and knows only its own room\'s', () => {
    const ownerKey = `${SECRET}owner:${room.id}:${room.createdAt}`;
    const issued = tokens.issueOwner(room);
    expect(jwt.verify(issued, ownerKey, { algorithms: ['HS256'] })).toMatchObject({ room_id: 7, owner: true });
    expect(jwt.decode(issued, { complete: true })?.header).toEqual({ alg: 'HS256', typ: 'JWT' });
    // Byte for byte what jws signed before the signing moved into RoomTokens: tokens already handed out stay the same.
    const at = 1_764_410_000;
    const before = jws.sign({ header: { alg: 'HS256', typ: 'JWT' }, payload: { room_id: 7, owner: true, iat: at }, secret: Buffer.from(ownerKey) });
    expect(new RoomTokens(SECRET, 3600, () => at * 1000).issueOwner(room)).toBe(before);
    expect(tokens.isOwner(room, issued)).toBe(true);
    expect(tokens.isOwner(room, jwt.sign({ room_id: 7, owner: true }, ownerKey, { algorithm: 'HS256' }))).toBe(true);
    const refused = [
      jwt.sign({ room_id: 7, owner: false }, ownerKey, { algorithm: 'HS256' }),
      jwt.sign({ room_id: 8, owner: true }, ownerKey, { algorithm: 'HS256' }),
      jwt.sign({ room_id: 7, owner: true }, ownerKey, { algorithm: 'HS384' }),
      jwt.sign({ room_id: 7, owner: true }, `${ownerKey}x`, { algorithm: 'HS256' }),
      tokens.issueOwner({ ...room, createdAt: '2020-01-01T00:00:01.000Z' }),
      tokens.issue(room, 'ann'),
      `${issued.split('.').slice(0, 2).join('.')}.`,
      'not-a-token',
      '',
      NOT_JSON_JWT,
      NOT_JSON_JWS,
    ];
    for (const token of refused) expect(tokens.isOwner(room, token), token).toBe(false);
  });

  it('refuses a token whose payload is not JSON with 403', () => {
    for (const token of [NOT_JSON_JWT, NOT_JSON_JWS]) expect(codeOf(() => tokens.verify(room, token))).toBe(403);
  });

  it('refuses HS256 with a key for another password or id with 401', () => {
    for (const other of [{ ...room, passwordHash: `${room.passwordHash}x` }, { ...room, id: 70 }]) {
      expect(codeOf(() => tokens.verify(other, tokens.issue(room, 'x')))).toBe(401);
    }
  });
});
