// Baseline: a bare `ws` server that broadcasts each message to every socket on the path, the ceiling
// for this runtime on this machine. Usage: node bare-ws.mjs <port>
import { WebSocketServer, WebSocket } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]) }, () => console.log('listening'));
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    const text = JSON.stringify({ ...frame, time: new Date().toISOString(), room_id: 1 });
    for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(text);
  });
});
