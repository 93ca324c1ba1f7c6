/**
 * The app's pages and the sign-in rule: pages marked requiresAuth send a
 * signed-out visitor to "/" with ?next= so sign-in can bring them back.
 */

import {
  createRouter,
  createWebHistory,
  type RouteLocationNormalized,
  type RouteLocationRaw,
  type RouterScrollBehavior,
} from "vue-router";

import type { MessageKey } from "@/i18n";
import HomePage from "@/pages/HomePage.vue";
import MeetingPage from "@/pages/MeetingPage.vue";
import NotFoundPage from "@/pages/NotFoundPage.vue";
import { useSessionStore } from "@/stores/session";

declare module "vue-router" {
  interface RouteMeta {
    requiresAuth?: boolean;
    /** i18n key of the page's part of the document title; none means the app name alone. */
    titleKey?: MessageKey;
    /** A full-screen page without the app's header and margins (the room screen, the voting tablet). */
    bare?: boolean;
    /** A console that uses the whole width of a desktop screen. */
    wide?: boolean;
  }
}

function numberParam(name: string) {
  return (route: RouteLocationNormalized) => ({ [name]: Number(route.params[name]) });
}

/** Where a signed-out visitor of `path` goes: the sign-in form, which returns to `path` afterwards. */
export function signInRoute(path: string): RouteLocationRaw {
  return { name: "home", query: { next: path } };
}

const LIST_PAGES = new Set(["home", "room"]);

/**
 * Choosing a room keeps the page where it is; on a narrow screen the meeting
 * list sits below the rooms, so it scrolls there instead.
 */
const scrollBehavior: RouterScrollBehavior = (to, from, saved) => {
  if (saved) return saved;
  const withinList = LIST_PAGES.has(String(to.name)) && LIST_PAGES.has(String(from.name));
  if (!withinList) return { top: 0 };
  if (to.name === "room" && window.matchMedia("(max-width: 55.99rem)").matches) {
    return { el: "#meetings-heading", top: 8 };
  }
  return false;
};

export const router = createRouter({
  history: createWebHistory("/"),
  routes: [
    { path: "/", name: "home", component: HomePage },
    {
      path: "/rooms/:roomId(\\d+)",
      name: "room",
      component: HomePage,
      props: numberParam("roomId"),
      meta: { requiresAuth: true, titleKey: "home.meetings" },
    },
    {
      path: "/meetings/new",
      name: "meeting-new",
      component: () => import("@/pages/NewMeetingPage.vue"),
      meta: { requiresAuth: true, titleKey: "planner.newMeeting" },
    },
    {
      path: "/meetings/:meetingId(\\d+)",
      name: "meeting",
      component: MeetingPage,
      props: numberParam("meetingId"),
      meta: { requiresAuth: true, titleKey: "home.meetings" },
    },
    {
      path: "/meetings/:meetingId(\\d+)/minutes",
      name: "minutes",
      component: () => import("@/pages/MinutesPage.vue"),
      props: numberParam("meetingId"),
      meta: { requiresAuth: true, titleKey: "minutes.title", wide: true },
    },
    {
      path: "/meetings/:meetingId(\\d+)/outcome",
      name: "outcome",
      component: () => import("@/pages/OutcomePage.vue"),
      props: numberParam("meetingId"),
      meta: { requiresAuth: true, titleKey: "outcomes.title" },
    },
    {
      path: "/outcomes",
      name: "outcome-items",
      component: () => import("@/pages/OutcomeItemsPage.vue"),
      meta: { requiresAuth: true, titleKey: "outcomes.myItems" },
    },
    {
      path: "/assessment",
      name: "assessment",
      component: () => import("@/pages/AssessmentPage.vue"),
      meta: { requiresAuth: true, titleKey: "assessment.title", wide: true },
    },
    // The live pages are separate chunks: the participant's phone loads only its own page.
    {
      path: "/m/:meetingId(\\d+)",
      name: "live-participant",
      component: () => import("@/pages/live/ParticipantPage.vue"),
      props: numberParam("meetingId"),
      meta: { requiresAuth: true, titleKey: "live.titles.participant" },
    },
    {
      path: "/m/:meetingId(\\d+)/join",
      name: "room-join",
      component: () => import("@/pages/RoomJoinPage.vue"),
      props: numberParam("meetingId"),
      meta: { titleKey: "joinRoom.title" },
    },
    {
      path: "/m/:meetingId(\\d+)/moderate",
      name: "live-moderator",
      component: () => import("@/pages/live/ModeratorPage.vue"),
      props: numberParam("meetingId"),
      meta: { requiresAuth: true, titleKey: "live.titles.moderator", wide: true },
    },
    {
      path: "/m/:meetingId(\\d+)/screen",
      name: "live-screen",
      component: () => import("@/pages/live/ScreenPage.vue"),
      props: numberParam("meetingId"),
      meta: { requiresAuth: true, titleKey: "live.titles.screen", bare: true },
    },
    {
      path: "/m/:meetingId(\\d+)/staff",
      name: "live-staff",
      component: () => import("@/pages/live/StaffPage.vue"),
      props: numberParam("meetingId"),
      meta: { requiresAuth: true, titleKey: "live.titles.staff", wide: true },
    },
    {
      path: "/m/:meetingId(\\d+)/kiosk",
      name: "live-kiosk",
      component: () => import("@/pages/live/KioskPage.vue"),
      props: numberParam("meetingId"),
      meta: { requiresAuth: true, titleKey: "live.titles.kiosk", bare: true },
    },
    {
      path: "/join/:invite",
      name: "join",
      component: () => import("@/pages/live/JoinPage.vue"),
      props: (route: RouteLocationNormalized) => ({ invite: String(route.params.invite) }),
      meta: { titleKey: "live.titles.participant" },
    },
    {
      path: "/watch/:token",
      name: "watch",
      component: () => import("@/pages/WatchPage.vue"),
      props: (route: RouteLocationNormalized) => ({ token: String(route.params.token) }),
      meta: { titleKey: "watch.title" },
    },
    {
      path: "/office",
      name: "office",
      component: () => import("@/pages/OfficePage.vue"),
      meta: { requiresAuth: true, titleKey: "office.title" },
    },
    {
      path: "/public",
      name: "public",
      component: () => import("@/pages/PublicPage.vue"),
      meta: { titleKey: "publicPortal.title" },
    },
    {
      path: "/topics",
      name: "topics",
      component: () => import("@/pages/TopicsPage.vue"),
      meta: { requiresAuth: true, titleKey: "topics.title" },
    },
    {
      path: "/topics/:topicId(\\d+)",
      name: "topic",
      component: () => import("@/pages/TopicPage.vue"),
      props: numberParam("topicId"),
      meta: { requiresAuth: true, titleKey: "topics.title" },
    },
    {
      path: "/reset/:token",
      name: "reset",
      component: () => import("@/pages/ResetPage.vue"),
      props: (route: RouteLocationNormalized) => ({ token: String(route.params.token) }),
      meta: { titleKey: "reset.title" },
    },
    {
      path: "/:unknown(.*)*",
      name: "not-found",
      component: NotFoundPage,
      meta: { titleKey: "notFound.title" },
    },
  ],
  scrollBehavior,
});

router.beforeEach(async (to) => {
  const session = useSessionStore();
  if (session.status === "unknown") await session.load();
  if (to.meta.requiresAuth && session.status === "signedOut") {
    return signInRoute(to.fullPath);
  }
  return true;
});
