// Build and dev-server settings for the 好商量 browser app.
// The Python server serves dist/ at "/", so assets live under /assets/ with an SPA fallback.
import { fileURLToPath } from "node:url";

import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

// The dev server forwards everything the Python server owns, so `npm run dev`
// works against `hsl serve` on its default port.
const backend = "http://127.0.0.1:8000";

export default defineConfig({
  base: "/",
  plugins: [vue()],
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  define: {
    // vue-i18n feature flags: Composition API only, no devtools in production.
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // dist/.vite/manifest.json: which chunks each page loads (scripts/bundle-size.mjs reads it).
    manifest: true,
    rolldownOptions: {
      output: {
        // Named shared chunks, so the bundle-size table says what a page pays for. Chart.js
        // and the QR code stay in the room screen's own chunk.
        codeSplitting: {
          groups: [
            { name: "vue", test: /node_modules[\\/](@vue|vue|vue-router|vue-i18n|@intlify|pinia)[\\/]/ },
            { name: "socket-io", test: /node_modules[\\/](socket\.io-client|socket\.io-parser|engine\.io-client|engine\.io-parser|@socket\.io|debug|ms)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      "/api": { target: backend },
      "/healthz": { target: backend },
      "/socket.io": { target: backend, ws: true },
    },
  },
});
