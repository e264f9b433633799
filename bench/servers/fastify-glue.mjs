// Peer stack: fastify 5 with fastify-openapi-glue routing by operationId and validating (Ajv) from our
// own generated/openapi.yaml, responses serialized from its schemas, its handlers answering getRoom,
// listRooms and createRoom from rooms.mjs. The document loads unedited. Usage: node fastify-glue.mjs <port>
// With OWNER_TOKENS=1, createRoom answers the room's owner token too, as the document's 201 does.
import Fastify from 'fastify';
import openapiGlue from 'fastify-openapi-glue';
import { createRoom, findRoom, ownerToken, roomPage } from './rooms.mjs';

const ownerTokens = process.env.OWNER_TOKENS === '1';

const refusal = (code) => ({ status: false, error: { code, error: 'refused' } });
const serviceHandlers = {
  async getRoom(request, reply) {
    const room = findRoom(request.params.roomId);
    return room ?? reply.code(404).send(refusal(101));
  },
  async listRooms(request) {
    return roomPage(request.query.limit, Number(request.query.cursor ?? 0));
  },
  async createRoom(request, reply) {
    const room = createRoom(request.body);
    if (!room) return reply.code(400).send(refusal(102));
    reply.code(201).header('location', `/chats/${room.id}`);
    if (!ownerTokens) return reply.send(room);
    // A resource of its own, so the stored room keeps no token; written out, not spread, for Node 20 (README).
    const { id, title, description, visibility, createdAt, updatedAt, users } = room;
    return reply.send({ id, title, description, visibility, createdAt, updatedAt, users, owner_token: ownerToken(room, process.env.SECRET_KEY) });
  },
};
const app = Fastify({ logger: false });
// Errors in the document's ErrorResponse shape: fastify serializes them with the route's response schema.
app.setErrorHandler((error, _request, reply) => reply.code(error.statusCode ?? 500).send(refusal(105)));
await app.register(openapiGlue, { specification: new URL('../../generated/openapi.yaml', import.meta.url).pathname, serviceHandlers });
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
console.log('listening');
