// Baseline: a bare Node http server answering the same JSON on the same routes, to show what the
// framework, routing and validation cost. Usage: node bare-http.mjs <port>
import { createServer } from 'node:http';
import { findRoom, roomPage } from './rooms.mjs';

createServer((req, res) => {
  const path = req.url.split('?')[0];
  const body = path === '/chats/1' ? findRoom(1) : path === '/chats' ? roomPage() : null;
  if (!body) {
    res.writeHead(404).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}).listen(Number(process.argv[2]), '127.0.0.1', () => console.log('listening'));
