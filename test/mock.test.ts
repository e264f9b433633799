import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChitChatClient, unwrap, type ChitChatClient } from '@chitchat/client';
import { loadContract } from '../src/contract/document.js';
import { contractCheck } from './support/contract.js';
import { startPrism, type Prism } from './support/prism.js';

/**
 * What a frontend team gets from `make mock`: the SDK against Prism serving openapi.yaml, answering
 * with the spec's own examples and refusing requests that break it, as the server would.
 */
const examples = loadContract().openapi.components!.examples as Record<string, { value: unknown }>;
const example = (name: string) => examples[name]!.value;
let prism: Prism;
let api: ChitChatClient;

beforeAll(async () => {
  prism = await startPrism(['mock'], '/chats/1');
  api = createChitChatClient({ baseUrl: prism.url });
  api.use(contractCheck);
}, 40_000);
afterAll(() => prism.close());

describe('the SDK against the Prism mock', () => {
  it('runs every operation and gets the examples of openapi.yaml', async () => {
    expect(unwrap(await api.GET('/chats'))).toEqual(example('RoomPage'));
    expect(await api.createRoom({ title: 'My chat room', visibility: 'public' })).toEqual(example('PublicRoom'));
    expect(unwrap(await api.GET('/chats/{roomId}', { params: { path: { roomId: '1' } } }))).toEqual(example('DefaultRoom'));
    expect(unwrap(await api.PUT('/chats/{roomId}', { params: { path: { roomId: '2' } }, body: { title: 'Our chat room', visibility: 'public' } }))).toEqual(
      example('UpdatedRoom'),
    );
    expect(unwrap(await api.DELETE('/chats/{roomId}', { params: { path: { roomId: '2' } } }))).toEqual({ status: true });
    const token = await api.POST('/chats/{roomId}/token', { params: { path: { roomId: '3' } }, body: { secret: 'my_secret', name: 'david' } });
    expect(token.response.ok).toBe(true);
    expect((await api.GET('/chats/{roomId}/token/renew', { params: { path: { roomId: '3' } } })).response.ok).toBe(true);
    expect(unwrap(await api.GET('/health'))).toEqual(example('Health'));
  });

  it('answers with a named example on request (Prefer: example=...)', async () => {
    const { data, response } = await api.POST('/chats', {
      body: { title: 'Secret plans', visibility: 'private', password: 'my_secret' },
      headers: { Prefer: 'example=private' },
    });
    expect(response.status).toBe(201);
    expect(data).toEqual(example('PrivateRoom'));
    const error = await api.GET('/chats/{roomId}', { params: { path: { roomId: 'nowhere' } }, headers: { Prefer: 'code=404' } });
    expect(error.error).toEqual(example('RoomNotFound'));
  });

  it('refuses a request that breaks the spec with an error body of the spec', async () => {
    const { response, error } = await api.POST('/chats', { body: { title: 'x', visibility: 'public' } });
    expect(response.status).toBe(400);
    expect(error).toMatchObject({ status: false, error: { code: expect.any(Number) } });
  });
});
