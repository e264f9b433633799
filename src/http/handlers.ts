import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Context, Handler } from 'openapi-backend';
import type { components, operations } from '../../generated/openapi.js';
import type { Passwords } from '../auth/passwords.js';
import type { RoomTokens } from '../auth/tokens.js';
import type { OpenAPI31Backend } from '../contract/backend.js';
import type { ChatContract } from '../contract/chat.js';
import type { Contract } from '../contract/document.js';
import { ApiError } from '../errors.js';
import { andThen } from '../maybe-async.js';
import type { RoomService } from '../rooms/service.js';
import type { Engines } from '../engines/index.js';
import { needsToken } from '../rooms/access.js';
import { chatDocs, DOCS_HEADERS, restDocs, sendDocsAsset } from './docs.js';
import type { ClientLimits } from './limits.js';
import { requestOrigin, servedDocuments } from './origin.js';
import { sendChatPage, sendChatPageAsset } from './page.js';
import { JSON_TYPE, send } from './reply.js';
import { authorizedRoom } from './room-access.js';

type Schemas = components['schemas'];
type OperationId = keyof operations;

export interface HandlerDeps {
  contract: Contract;
  chatContract: ChatContract;
  rooms: RoomService;
  engines: Pick<Engines, 'kind' | 'ping'>;
  passwords: Passwords;
  tokens: RoomTokens;
  /** This process among several: in /health, for operators behind a load balancer. */
  instanceId: string;
  /** The proxies whose X-Forwarded-Proto is believed (config.trustProxy). */
  trustProxy: string[];
  startedAt: number;
  /** config.basePath: the start of every path written into a response. */
  basePath: string;
  /** config.chitchatCompat: who may change a public room. */
  chitchatCompat: boolean;
  limits: ClientLimits;
}

type OperationHandler = (c: Context, req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** A response body of the schema the operation declares for `status`, serialized from that schema. */
const json = <T>(c: Context, res: ServerResponse, status: number, body: T, headers?: OutgoingHttpHeaders) =>
  send(res, status, JSON_TYPE, (c.api as OpenAPI31Backend).serializerFor(c.operation, status)(body), headers);
const YAML = 'application/yaml; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

/** One handler per operationId in openapi.yaml; openapi-backend refuses to start if one is missing. */
export function operationHandlers(deps: HandlerDeps): Record<OperationId, OperationHandler> {
  const { rooms, tokens, passwords, engines, contract } = deps;
  const { basePath } = deps;
  const documents = servedDocuments(
    { text: contract.openapiText, document: contract.openapi },
    { text: deps.chatContract.asyncapiText, document: deps.chatContract.document },
    basePath,
  );
  const docsPages = { rest: restDocs(basePath), chat: chatDocs(basePath) };
  const roomIdOf = (c: Context) => String(c.request.params.roomId);

  return {
    // The reads answer at once on the embedded store: no await unless they have to be waited for.
    listRooms(c, _req, res) {
      const query = c.request.query as { limit: number; cursor?: string };
      return andThen(rooms.list(query.limit, query.cursor), (page) => json<Schemas['RoomPage']>(c, res, 200, page));
    },

    createRoom(c, _req, res) {
      return andThen(rooms.create(c.request.requestBody as Schemas['RoomCreate']), (room) =>
        andThen(rooms.toResource(room, []), (created: Schemas['Room']) => {
          created.owner_token = tokens.issueOwner(room);
          json<Schemas['Room']>(c, res, 201, created, { Location: `${basePath}/chats/${room.id}` });
        }),
      );
    },

    getRoom(c, _req, res) {
      const room = andThen(rooms.resolve(roomIdOf(c)), (found) => rooms.toResource(found));
      return andThen(room, (resource) => json<Schemas['Room']>(c, res, 200, resource));
    },

    async updateRoom(c, _req, res) {
      const { room } = authorizedRoom(c, deps.chitchatCompat);
      const updated = await rooms.update(room, c.request.requestBody as Schemas['RoomUpdate']);
      json<Schemas['Room']>(c, res, 200, await rooms.toResource(updated));
    },

    async deleteRoom(c, _req, res) {
      const { room } = authorizedRoom(c, deps.chitchatCompat);
      await rooms.delete(room);
      json<Schemas['StatusOk']>(c, res, 200, { status: true });
    },

    async listMessages(c, _req, res) {
      const { room } = authorizedRoom(c, deps.chitchatCompat);
      const query = c.request.query as { limit: number; cursor?: string };
      json<Schemas['MessagePage']>(c, res, 200, await rooms.history(room, query.limit, query.cursor));
    },

    async issueToken(c, _req, res) {
      const room = await rooms.resolve(roomIdOf(c));
      if (!needsToken(room)) return json<Schemas['StatusOk']>(c, res, 200, { status: true });
      const { secret, name } = c.request.requestBody as Schemas['TokenRequest'];
      if (!(await deps.limits.passwordAttempt(room.id, () => passwords.matches(secret, room.passwordHash)))) throw new ApiError(304, 'secret');
      if (!name) throw new ApiError(303, 'name');
      json<Schemas['TokenResponse']>(c, res, 201, {
        status: true,
        name,
        room_id: room.id,
        token: tokens.issue(room, name),
      });
    },

    async renewToken(c, _req, res) {
      const { room, claims } = authorizedRoom(c, deps.chitchatCompat);
      if (!claims) return json<Schemas['StatusOk']>(c, res, 200, { status: true });
      json<Schemas['TokenResponse']>(c, res, 201, {
        status: true,
        name: claims.username,
        room_id: room.id,
        token: tokens.issue(room, claims.username),
      });
    },

    async getHealth(c, _req, res) {
      await engines.ping();
      json<Schemas['Health']>(c, res, 200, {
        status: true,
        store: engines.kind.store,
        live: engines.kind.live,
        instance: deps.instanceId,
        uptime_s: (Date.now() - deps.startedAt) / 1000,
      });
    },

    getOpenApiDocument(_c, req, res) {
      send(res, 200, YAML, documents.openapi(requestOrigin(req, deps.trustProxy)));
    },

    getAsyncApiDocument(_c, req, res) {
      send(res, 200, YAML, documents.asyncapi(requestOrigin(req, deps.trustProxy)));
    },

    getDocs(_c, _req, res) {
      send(res, 200, HTML, docsPages.rest, DOCS_HEADERS);
    },

    getAsyncApiDocs(_c, _req, res) {
      send(res, 200, HTML, docsPages.chat, DOCS_HEADERS);
    },

    getChatPage(_c, _req, res) {
      return sendChatPage(res);
    },

    getChatPageAsset(c, _req, res) {
      return sendChatPageAsset(res, String(c.request.params.file));
    },

    getDocsAsset(c, _req, res) {
      return sendDocsAsset(res, String(c.request.params.asset));
    },
  } satisfies Record<OperationId, Handler>;
}
