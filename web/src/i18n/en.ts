/**
 * Every string the interface shows, in English; the keys mirror zh-CN.ts,
 * and the Messages type makes a missing or extra key a type error.
 */

import type { Messages } from "./zh-CN";

const en: Messages = {
  app: {
    name: "Haoshangliang",
    tagline: "Consultation rooms: “let's talk it over”",
    skipToContent: "Skip to main content",
  },
  lang: {
    label: "Language",
    zhCN: "中文",
    en: "English",
  },
  header: {
    signedInAs: "Signed in as",
    logout: "Sign out",
  },
  login: {
    title: "Sign in",
    intro: "Use the account the staff set up for you.",
    username: "Username",
    password: "Password",
    submit: "Sign in",
    submitting: "Signing in…",
    required: "Enter your username and password.",
    expired: "Your session has ended. Please sign in again.",
  },
  home: {
    title: "Home",
    rooms: "Consultation rooms",
    meetings: "Meetings",
    allMeetings: "All meetings",
    meetingsInRoom: "{room} · Meetings",
    noRooms: "No consultation rooms yet",
    noMeetings: "No meetings yet",
    countyOf: "In {name}",
  },
  room: {
    level: {
      township: "Township (street, park)",
      village: "Village (community)",
    },
    address: "Address",
  },
  meeting: {
    room: "Room",
    topic: "Topic",
    time: "Time",
    place: "Place",
    mode: "Format",
    status: "Status",
    agenda: "Agenda",
    noAgenda: "No agenda yet",
    backToList: "Back to meetings",
    modes: {
      in_room: "In the room",
      online: "Online",
      hybrid: "In the room and online",
    },
    statuses: {
      scheduled: "Scheduled",
      live: "In progress",
      ended: "Ended",
    },
    rounds: {
      intro: "Introduction",
      briefing: "Briefing",
      statements: "Statements",
      responses: "Responses",
      discussion: "Open discussion",
      vote: "Vote",
      summary: "Summary",
    },
    roundKind: "Round type",
    timeLimitMinutes: "{minutes} min",
    timeLimitSeconds: "{minutes} min {seconds} s",
    noTimeLimit: "No time limit",
  },
  common: {
    loading: "Loading…",
    retry: "Try again",
  },
  errors: {
    network: "Could not reach the server. Please try again later.",
    server: "The server ran into an error. Please try again later.",
    badResponse: "The server sent an answer we could not read. Please try again later.",
    unknown: "Something went wrong. Please try again later.",
  },
  notFound: {
    title: "Page not found",
    body: "The page you asked for does not exist or has been removed.",
    backHome: "Back to the home page",
  },
};

export default en;
