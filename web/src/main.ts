/**
 * Start-up: builds the Vue app with its store, router and i18n, and decides
 * what a 401 from any request means (the session ended: back to sign-in).
 */

import { createPinia } from "pinia";
import { createApp } from "vue";

import { onUnauthorized } from "@/api";
import App from "@/App.vue";
import { i18n } from "@/i18n";
import { router, signInRoute } from "@/router";
import { useDirectoryStore } from "@/stores/directory";
import { useSessionStore } from "@/stores/session";
import "@/styles.css";

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.use(i18n);
app.use(router);

onUnauthorized(() => {
  useSessionStore(pinia).expire();
  useDirectoryStore(pinia).reset();
  const current = router.currentRoute.value;
  if (current.meta.requiresAuth) void router.replace(signInRoute(current.fullPath));
});

app.mount("#app");
