import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  // The codecs' packages are imported by the workers only, on first use, where the dev server's
  // scan of index.html does not find them: found during an open, they made it reload the page.
  optimizeDeps: { include: ['xz-decompress', 'fzstd', 'xxhash-wasm', 'unbzip2-stream/lib/bzip2.js'] },
  build: { target: 'es2022', sourcemap: true },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 60_000,
    setupFiles: ['src/worker/testing/library-setup.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest.json' },
  },
});
