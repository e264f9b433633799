import { defineConfig } from 'vite';
import { contractPlugin } from './contract-plugin.js';

/**
 * `make build` runs `vite build`: web/dist, which the server serves at / (index.html) and /app/assets/.
 * The page names its assets relative to itself (base './'), so it works wherever the service is mounted.
 * `npm run dev -w @chitchat/web` serves the page with hot reload, with the API of a server running on
 * CHITCHAT_URL (default http://127.0.0.1:8080) behind it.
 */
const api = process.env.CHITCHAT_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [contractPlugin()],
  build: { outDir: 'dist', assetsDir: 'app/assets', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: {
    proxy: {
      '/chats': { target: api, ws: true },
      '/openapi.yaml': api,
      '/asyncapi.yaml': api,
      '/docs': api,
      '/health': api,
    },
  },
});
