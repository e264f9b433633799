// Peer stack: express 5 with express-openapi-validator checking requests against our own
// generated/openapi.yaml, its handlers answering getRoom and listRooms with a constant room (no store,
// no rules): what validating from the same document costs on express. Usage: node express-validator.mjs <port>
import express from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { room, roomPage } from './room.mjs';

const app = express();
app.use(express.json());
app.use(OpenApiValidator.middleware({ apiSpec: new URL('../../generated/openapi.yaml', import.meta.url).pathname, validateRequests: true, validateResponses: false }));
app.get('/chats/:roomId', (_req, res) => void res.json(room));
app.get('/chats', (_req, res) => void res.json(roomPage));
app.use((err, _req, res, _next) => void res.status(err.status ?? 500).json({ message: err.message }));
app.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('listening'));
