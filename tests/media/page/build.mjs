// Builds the media test page with the web app's own Vite and Vue plugin (by absolute path,
// since this folder is outside web/): node build.mjs OUT_DIR
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const web = path.resolve(here, "../../../web");
const modules = path.join(web, "node_modules");
const load = (name, entry) => import(pathToFileURL(path.join(modules, name, entry)).href);

const { build } = await load("vite", "dist/node/index.js");
const { default: vue } = await load("@vitejs/plugin-vue", "dist/index.mjs");

await build({
  root: here,
  configFile: false,
  logLevel: "warn",
  base: "./",
  plugins: [vue()],
  resolve: {
    alias: [
      { find: /^@\//, replacement: path.join(web, "src") + "/" },
      { find: /^(vue|vue-i18n|socket\.io-client)$/, replacement: path.join(modules, "$1") },
    ],
  },
  define: {
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: { outDir: process.argv[2], emptyOutDir: true, minify: false },
});
