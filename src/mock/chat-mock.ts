import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Ajv, type ValidateFunction } from 'ajv';
import { WebSocket, WebSocketServer } from 'ws';
import { bearerToken } from '../auth/tokens.js';
import { roomIdOf } from '../chat/handshake.js';
import { CHECKED_SCHEMAS, configureAjv } from '../contract/ajv.js';
import { loadChatContract, type ChatContract } from '../contract/chat.js';
import { loadContract, type Contract } from '../contract/document.js';
import { errorBody, errorResponseText } from '../contract/error-body.js';
import { fieldOf, firstError } from '../contract/validation-errors.js';
import { ApiError, failureOf } from '../errors.js';
import { needsToken } from '../rooms/access.js';
import { isIdText } from '../rooms/ids.js';
import { foldName } from '../rooms/names.js';
import type { Visibility } from '../store/store.js';

/**
 * A mock of the chat WebSocket for frontend teams, next to Prism's mock of the REST API (`make mock`).
 * Everything it knows comes from the documents when it starts: the rooms and the token of openapi.yaml's
 * examples, the frames a client may send (asyncapi.yaml's schemas, the server's own validators), and the
 * frames it answers with, which are asyncapi.yaml's examples with the client's name, colour and message
 * put in, stamped with the time, the room and a `seq`, and checked against their schemas before they go.
 */
export interface ChatMockOptions {
  host?: string;
  port?: number;
  /** Every this many ms, the example chatter of asyncapi.yaml in each room someone is in; off when unset. */
  chatterMs?: number;
}

export interface ChatMock {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface MockRoom {
  id: number;
  title: string;
  visibility: string;
  /** The room's tokens among the examples. */
  tokens: Set<string>;
}

interface ServerFrame {
  validate: ValidateFunction;
  example: Record<string, unknown>;
}

interface Member {
  ws: WebSocket;
  name: string | null;
  color: string;
}

interface LiveRoom {
  room: MockRoom;
  members: Set<Member>;
  seq: number;
  chatterJoined: boolean;
}

type Example = Record<string, unknown>;

/** The rooms and tokens of openapi.yaml's examples. */
function exampleRooms(contract: Contract): Map<string, MockRoom> {
  const examples = Object.values(contract.openapi.components?.examples ?? {}).map((e) => (e as { value?: Example }).value ?? {});
  const byKey = new Map<string, MockRoom>();
  for (const value of examples) {
    const { id, title, visibility } = value;
    if (typeof id !== 'number' || typeof title !== 'string' || typeof visibility !== 'string') continue;
    const room = byKey.get(String(id)) ?? { id, title, visibility, tokens: new Set<string>() };
    byKey.set(String(id), room);
    byKey.set(foldName(title), room);
  }
  for (const value of examples) {
    if (typeof value.token === 'string' && typeof value.room_id === 'number') byKey.get(String(value.room_id))?.tokens.add(value.token);
  }
  return byKey;
}

/** The frames the server sends, by `event_type`: the payload's validator and the document's first example. */
function serverFrames(chat: ChatContract): Map<string, ServerFrame> {
  const ajv = configureAjv(new Ajv({ ...CHECKED_SCHEMAS, strict: false, allErrors: true }));
  const frames = new Map<string, ServerFrame>();
  for (const operation of Object.values(chat.document.operations ?? {}).filter((op) => op.action === 'send')) {
    for (const message of operation.messages ?? []) {
      const eventType = message.payload?.properties?.event_type?.const;
      const example = message.examples?.[0]?.payload;
      if (!eventType || !example || !message.payload) throw new Error(`asyncapi.yaml: message ${message.name} has no event_type const or no example`);
      frames.set(eventType, { validate: ajv.compile(message.payload), example });
    }
  }
  return frames;
}

export async function startChatMock(options: ChatMockOptions = {}): Promise<ChatMock> {
  const contract = loadContract();
  const chat = await loadChatContract();
  const rooms = exampleRooms(contract);
  const frames = serverFrames(chat);
  const live = new Map<number, LiveRoom>();
  const protocols = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (_offered, req) => protocols.get(req) ?? false });

  /** An example frame of the server's, carrying what the client said, stamped for this room. */
  function frame(eventType: string, room: LiveRoom, from: Example): string {
    const served = frames.get(eventType);
    if (!served) throw new Error(`asyncapi.yaml has no server frame ${eventType}`);
    const { example } = served;
    const exampleName = typeof example.name === 'string' ? example.name : undefined;
    const built: Example = { ...example };
    for (const [key, value] of Object.entries(example)) {
      if (key === 'event_type') continue;
      if (from[key] !== undefined) built[key] = from[key];
      // "david entered the room." for someone else: the example's name in its texts is theirs.
      else if (typeof value === 'string' && exampleName && typeof from.name === 'string') built[key] = value.replaceAll(exampleName, from.name);
    }
    if ('time' in built) built.time = new Date().toISOString();
    if ('room_id' in built) built.room_id = room.room.id;
    if ('seq' in built) built.seq = ++room.seq;
    if (!served.validate(built)) throw new Error(`the mock built a ${eventType} frame asyncapi.yaml refuses: ${JSON.stringify(served.validate.errors)}`);
    return JSON.stringify(built);
  }

  const broadcast = (room: LiveRoom, text: string) => {
    for (const member of room.members) if (member.ws.readyState === WebSocket.OPEN) member.ws.send(text);
  };

  function refuse(room: LiveRoom, member: Member, error: ApiError): void {
    member.ws.send(frame('error', room, { error: errorBody(contract, error).body.error }));
  }

  /** The chat's rules in their simplest form: enough for a UI to meet every frame and every refusal. */
  function receive(room: LiveRoom, member: Member, data: string): void {
    let event: Example;
    try {
      event = JSON.parse(data) as Example;
    } catch {
      throw new ApiError(303);
    }
    const validate = typeof event?.event_type === 'string' ? chat.clientFrames.get(event.event_type) : undefined;
    if (!validate) throw new ApiError(303, 'event_type');
    if (!validate(event)) throw new ApiError(303, fieldOf(firstError(validate.errors ?? [])!, 0));
    const name = String(event.name);
    if (event.event_type === 'join') {
      if (member.name !== null) throw new ApiError(301, 'event_type');
      if ([...room.members].some((m) => m.name !== null && foldName(m.name) === foldName(name))) throw new ApiError(202, 'name');
      member.name = name;
      member.color = typeof event.color === 'string' ? event.color : '';
      return broadcast(room, frame('join', room, { name, color: member.color }));
    }
    if (member.name === null) throw new ApiError(201, 'name');
    if (foldName(member.name) !== foldName(name)) throw new ApiError(204, 'name');
    if (event.event_type === 'send') return broadcast(room, frame('send', room, { name: member.name, color: event.color ?? member.color, msg: event.msg }));
    member.name = null;
    broadcast(room, frame('leave', room, { name, color: member.color }));
  }

  /** Admits an upgrade to a room of the examples; private and hidden rooms need the example token. */
  function admit(req: IncomingMessage): MockRoom {
    const key = roomIdOf(req.url);
    const room = rooms.get(isIdText(key) ? key : foldName(key));
    if (!room) throw new ApiError(101);
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    if (offered[0]) protocols.set(req, offered[0]);
    if (!needsToken({ visibility: room.visibility as Visibility })) return room;
    const tokens = [...offered, bearerToken(req.headers.authorization) ?? ''];
    if (!tokens.some((token) => room.tokens.has(token))) throw new ApiError(403, 'token');
    return room;
  }

  const server = createServer((_req, res) => {
    // The REST API is Prism's, on its own port.
    const { status, body } = errorBody(contract, new ApiError(601));
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let room: MockRoom;
    try {
      room = admit(req);
    } catch (err) {
      return void socket.end(errorResponseText(contract, failureOf(err).error));
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      let entry = live.get(room.id);
      if (!entry) live.set(room.id, (entry = { room, members: new Set(), seq: 0, chatterJoined: false }));
      const here = entry;
      const member: Member = { ws, name: null, color: '' };
      here.members.add(member);
      ws.on('message', (data, isBinary) => {
        try {
          if (isBinary) throw new ApiError(303);
          receive(here, member, data.toString());
        } catch (err) {
          refuse(here, member, failureOf(err).error);
        }
      });
      ws.on('close', () => {
        here.members.delete(member);
        if (member.name !== null) broadcast(here, frame('leave', here, { name: member.name, color: member.color }));
      });
    });
  });

  const chatter = options.chatterMs
    ? setInterval(() => {
        for (const room of live.values()) {
          if (room.members.size === 0) continue;
          // The examples' own chatter: their join once, then their message.
          if (!room.chatterJoined) broadcast(room, frame('join', room, {}));
          room.chatterJoined = true;
          broadcast(room, frame('send', room, {}));
        }
      }, options.chatterMs).unref()
    : undefined;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    async close() {
      if (chatter) clearInterval(chatter);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
