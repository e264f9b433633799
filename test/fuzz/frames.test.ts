import fc from 'fast-check';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureAjv } from '../../src/contract/ajv.js';
import { TestSocket, wsUrl } from '../support/chat.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { loadAsyncApiDocument } from '../support/asyncapi.js';

/**
 * Property-based fuzzing of the chat socket from asyncapi.yaml: frames are generated from the client
 * message schemas (valid ones, and ones broken in the ways a schema can be broken), sent to a live
 * room, and every answer is checked against the server message schemas (TestSocket does that).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
type Schema = { type?: string; const?: unknown; properties?: Record<string, Schema>; required?: string[]; maxLength?: number; minLength?: number; allOf?: Schema[] };

const document = await loadAsyncApiDocument();
const ajv = configureAjv(new Ajv({ strict: false }));
const clientSchemas = new Map<string, Schema>();
for (const op of document.operations().all().filter((o) => o.action() === 'receive')) {
  for (const message of op.messages().all()) {
    const schema = message.payload()!.json() as Schema;
    clientSchemas.set(String(schema.properties!.event_type!.const), schema);
  }
}

/** An arbitrary for a schema: strings within its lengths that its own validator accepts, objects with their required keys. */
function arbitraryOf(schema: Schema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.allOf) {
    const merged = Object.assign({}, ...schema.allOf) as Schema;
    return arbitraryOf(merged);
  }
  if (schema.type === 'string') {
    const validate = ajv.compile(schema);
    const maxLength = Math.min(schema.maxLength ?? 200, 200);
    return fc.string({ unit: 'grapheme', minLength: schema.minLength ?? 0, maxLength }).filter((s) => validate(s));
  }
  if (schema.type === 'object') {
    const props = schema.properties ?? {};
    const requiredKeys = schema.required ?? [];
    return fc.record(
      Object.fromEntries(Object.entries(props).map(([key, sub]) => [key, arbitraryOf(sub)])),
      { requiredKeys },
    );
  }
  return fc.anything();
}

/** A frame the schema refuses: a required key dropped, a value of the wrong type, or an overlong string. */
function brokenFrameOf(eventType: string): fc.Arbitrary<Record<string, unknown>> {
  const schema = clientSchemas.get(eventType)!;
  const valid = arbitraryOf(schema) as fc.Arbitrary<Record<string, unknown>>;
  const required = (schema.required ?? []).filter((k) => k !== 'event_type');
  const keys = Object.keys(schema.properties ?? {}).filter((k) => k !== 'event_type');
  return fc.oneof(
    fc.tuple(valid, fc.constantFrom(...required)).map(([frame, key]) => {
      const { [key]: _dropped, ...rest } = frame;
      return rest;
    }),
    fc.tuple(valid, fc.constantFrom(...keys), fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.object())).map(
      ([frame, key, wrong]) => ({ ...frame, [key]: wrong }),
    ),
    fc.tuple(valid, fc.constantFrom(...keys)).map(([frame, key]) => ({ ...frame, [key]: 'z'.repeat(2001) })),
  );
}

let server: TestServer;
let sender: TestSocket;
let bystander: TestSocket;

beforeAll(async () => {
  server = await startTestServer({ chat: { maxFrameBytes: 16 * 1024, ratePerSecond: 100_000, rateBurst: 100_000, pingIntervalMs: 30_000, maxBufferedBytes: 1 << 22, floodRefusals: 1_000_000, maxPendingFrames: 100_000 } });
  bystander = await TestSocket.open(wsUrl(server.url, 1));
  sender = await TestSocket.open(wsUrl(server.url, 1));
  sender.send({ event_type: 'join', name: 'fuzzer' });
  await sender.next((e) => e.event_type === 'join' && e.name === 'fuzzer');
});
afterAll(() => server.close());

describe('chat frames generated from asyncapi.yaml', () => {
  it('broadcasts every valid send, unchanged, to everyone', async () => {
    const send = arbitraryOf(clientSchemas.get('send')!) as fc.Arbitrary<Record<string, unknown>>;
    await fc.assert(
      fc.asyncProperty(send, async (frame) => {
        const msg = frame.msg as string;
        const from = bystander.events.length;
        sender.send({ ...frame, name: 'fuzzer' });
        const said = await bystander.next((e) => e.event_type === 'send' && e.msg === msg, 3000, from);
        expect(said).toMatchObject({ name: 'fuzzer', msg, room_id: 1, ...(frame.color === undefined ? {} : { color: frame.color }) });
      }),
      { numRuns: RUNS },
    );
  });

  it('lets every valid join in and every matching leave out, on fresh sockets', async () => {
    const join = arbitraryOf(clientSchemas.get('join')!) as fc.Arbitrary<{ name: string; color?: string }>;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(join, async (frame) => {
        const socket = await TestSocket.open(wsUrl(server.url, 1));
        const name = `${frame.name}#${++n}`.slice(-64);
        socket.send({ ...frame, name });
        const answer = await socket.next((e) => (e.event_type === 'join' && e.name === name) || e.event_type === 'error');
        expect(answer.event_type).toBe('join');
        socket.send({ event_type: 'leave', name });
        await socket.next((e) => e.event_type === 'leave' && e.name === name);
        await socket.close();
      }),
      { numRuns: Math.max(10, Math.floor(RUNS / 5)) },
    );
  });

  it('answers every broken frame with a 303 error to its sender only, and the room goes on', async () => {
    const broken = fc.oneof(
      fc.constantFrom(...clientSchemas.keys()).chain((type) => brokenFrameOf(type)).map((frame) => JSON.stringify(frame)),
      fc.string().filter((s) => {
        try {
          const value: unknown = JSON.parse(s);
          return typeof value !== 'object' || value === null || Array.isArray(value);
        } catch {
          return true;
        }
      }),
      fc.record({ event_type: fc.string().filter((t) => !clientSchemas.has(t)), name: fc.string() }).map((f) => JSON.stringify(f)),
    );
    const bystanderBefore = bystander.events.length;
    await fc.assert(
      fc.asyncProperty(broken, async (text) => {
        const from = sender.events.length;
        sender.ws.send(text);
        const error = await sender.next((e) => e.event_type === 'error', 3000, from);
        expect(error.event_type === 'error' && error.error.code).toBe(303);
      }),
      { numRuns: RUNS },
    );
    expect(bystander.events.slice(bystanderBefore)).toEqual([]);
    sender.send({ event_type: 'send', name: 'fuzzer', msg: 'still here' });
    await bystander.next((e) => e.event_type === 'send' && e.msg === 'still here', 3000, bystanderBefore);
    expect((await server.client().GET('/health')).response.status).toBe(200);
  });
});
