/**
 * The app's i18n instance: which language to show (URL ?lang=, then the saved
 * choice, then zh-CN), switching it, and useT() with checked message keys.
 */

import { createI18n, useI18n } from "vue-i18n";

import en from "./en";
import zhCN, { type Messages } from "./zh-CN";

export { formatClock, formatDay, formatDuration, formatMeetingTime, TIME_ZONE } from "./datetime";

export const LOCALES = ["zh-CN", "en"] as const;
export type Locale = (typeof LOCALES)[number];

const STORAGE_KEY = "hsl.lang";

/** Every dotted path to a string in zh-CN.ts, e.g. "home.rooms". */
type Leaves<T, Prefix extends string = ""> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];
export type MessageKey = Leaves<Messages>;

function parseLocale(value: string | null | undefined): Locale | null {
  if (!value) return null;
  const lower = value.toLowerCase();
  if (lower === "en" || lower.startsWith("en-")) return "en";
  if (lower === "zh" || lower.startsWith("zh-")) return "zh-CN";
  return null;
}

function readSaved(): Locale | null {
  try {
    return parseLocale(localStorage.getItem(STORAGE_KEY));
  } catch {
    return null; // storage can be disabled (private mode, strict settings)
  }
}

function save(locale: Locale): void {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // not saved: the choice still holds for this page
  }
}

/** ?lang= wins, and is remembered, so that following links inside the app keeps the language. */
function initialLocale(): Locale {
  const fromUrl = parseLocale(new URLSearchParams(window.location.search).get("lang"));
  if (fromUrl) {
    save(fromUrl);
    return fromUrl;
  }
  return readSaved() ?? "zh-CN";
}

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: "zh-CN",
  messages: { "zh-CN": zhCN, en },
});

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  save(locale);
}

/**
 * useI18n() with checked keys: a misspelt or missing key is a type error in
 * `npm run typecheck`, not a raw key on the page.
 */
export function useT() {
  const { t, locale } = useI18n();
  function translate(key: MessageKey, named?: Record<string, unknown>): string {
    return named ? t(key, named) : t(key);
  }
  return { t: translate, locale };
}
