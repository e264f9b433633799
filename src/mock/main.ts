import { startChatMock } from './chat-mock.js';

/** `make mock` starts this next to Prism: MOCK_WS_PORT (4011), MOCK_HOST (127.0.0.1), MOCK_CHATTER=1. */
const port = Number(process.env.MOCK_WS_PORT || 4011);
const host = process.env.MOCK_HOST || '127.0.0.1';
const chatterMs = process.env.MOCK_CHATTER === '1' ? Number(process.env.MOCK_CHATTER_MS || 4000) : undefined;

const mock = await startChatMock({ host, port, chatterMs });
console.error(`Chat mock on ${mock.url.replace(/^http/, 'ws')}/chats/{roomId}/ws${chatterMs ? ', with example chatter' : ''}  ·  Ctrl+C to stop`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void mock.close().then(() => process.exit(0)));
}
