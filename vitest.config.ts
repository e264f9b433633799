import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests use the SDK from source, the same code `make build` compiles into clients/typescript/dist.
    alias: { '@chitchat/client': fileURLToPath(new URL('./clients/typescript/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The WebSocket fuzz runs in `make fuzz`, bounded by FUZZ_RUNS; the benchmark harness's own test in
    // `make test-bench`, alone, as it loads the machine for a minute and would disturb timing-sensitive suites.
    // Browser tests in `make test-browser`, which installs Chromium.
    exclude: [
      ...(process.env.FUZZ_RUNS ? [] : ['test/fuzz/**']),
      ...(process.env.BENCH_HARNESS ? [] : ['test/bench/**']),
      ...(process.env.BROWSER_TESTS ? [] : ['test/browser/**']),
      // The packed SDK in a scratch project, in `make test-sdk`.
      ...(process.env.SDK_PACKAGE_TESTS ? [] : ['test/sdk-package/**']),
      // The packed server with the express example in a scratch project, in `make test-package`.
      ...(process.env.SERVER_PACKAGE_TESTS ? [] : ['test/server-package/**']),
      // The breaking-change gate's own test, in `make contract-diff`, which builds oasdiff.
      ...(process.env.OASDIFF ? [] : ['test/contract/**']),
    ],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
