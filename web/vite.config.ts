import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console is served by `outbound serve` at `/`; `npm run dev:web` proxies the API to it.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: { '/api': process.env.OUTBOUND_API ?? 'http://127.0.0.1:8080' },
  },
});
