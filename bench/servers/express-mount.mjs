// The chat service mounted at /chat in an express app, as README's "In an existing express app" shows
// (without cors, which would add a cost of its own): the express mount's row. Settings from the
// environment, as for `npm start`.
import { createServer } from 'node:http';
import express from 'express';
import { createChitChatExpress } from '../../dist/src/express.js';
import { loadConfig } from '../../dist/src/index.js';

const config = loadConfig(process.env, { basePath: '/chat' });
const chat = await createChitChatExpress(config);
const app = express();
app.use(config.basePath, chat.middleware);
const server = createServer(app);
chat.attach(server);
await chat.ready;
server.listen(config.port, config.host);
