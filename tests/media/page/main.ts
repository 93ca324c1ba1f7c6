/**
 * Test page for tests/media: the real MediaPanel mounted alone, on the server's origin
 * (the test serves this build at a path of its own). ?meeting=ID&kind=person|room&video=1
 * choose what it joins; the panel's session is left on window for the test to inspect.
 */
import { io } from "socket.io-client";
import { createApp, h } from "vue";

import MediaPanel from "@/components/MediaPanel.vue";
import { i18n } from "@/i18n";
import type { MediaSession, MediaSignal } from "@/realtime/media";

declare global {
  interface Window {
    hslMedia?: MediaSession;
  }
}

const query = new URLSearchParams(location.search);
const meetingId = Number(query.get("meeting"));
const kind = query.get("kind") === "room" ? "room" : "person";
const video = query.get("video") === "1";

const openSignal = (): MediaSignal => io("/media", { transports: ["websocket"], withCredentials: true });

const app = createApp({
  render: () =>
    h(MediaPanel, {
      meetingId,
      kind,
      video,
      openSignal,
      onSession: (session: MediaSession) => {
        window.hslMedia = session;
      },
    }),
});
app.use(i18n);
app.mount("#app");
