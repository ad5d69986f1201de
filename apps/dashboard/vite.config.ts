// The dashboard builds to static files (dist/) that the API serves on its own origin. In development the
// Vite server answers the UI and hands the API's paths to a locally running API, so cookies and the CSRF
// header work exactly as they will in production (one origin).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.TOKENFLEET_API_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/admin': { target: api, changeOrigin: false },
    },
  },
});
