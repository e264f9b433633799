// Peer stack: express 5 with express-openapi-validator checking requests against our own
// generated/openapi.yaml, its handlers answering getRoom, listRooms and createRoom from rooms.mjs: what
// validating from the same document costs on express. Usage: node express-validator.mjs <port>
import express from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { createRoom, findRoom, roomPage } from './rooms.mjs';

const fail = (res, status, code) => res.status(status).json({ status: false, error: { code, error: 'refused' } });
const app = express();
app.use(express.json());
app.use(OpenApiValidator.middleware({ apiSpec: new URL('../../generated/openapi.yaml', import.meta.url).pathname, validateRequests: true, validateResponses: false }));
app.get('/chats/:roomId', (req, res) => {
  const room = findRoom(req.params.roomId);
  return room ? res.json(room) : fail(res, 404, 101);
});
app.get('/chats', (req, res) => void res.json(roomPage(req.query.limit, Number(req.query.cursor ?? 0))));
app.post('/chats', (req, res) => {
  const room = createRoom(req.body);
  return room ? res.status(201).location(`/chats/${room.id}`).json(room) : fail(res, 400, 102);
});
app.use((err, _req, res, _next) => fail(res, err.status ?? 500, 105));
app.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('listening'));
