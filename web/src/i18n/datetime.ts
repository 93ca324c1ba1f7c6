/**
 * Dates and times as the interface shows them: always in Asia/Shanghai (the
 * rooms' time), whatever the viewer's own time zone, in the chosen language.
 */

export const TIME_ZONE = "Asia/Shanghai";

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, part: "date" | "time"): Intl.DateTimeFormat {
  const key = `${locale}|${part}`;
  let format = formatters.get(key);
  if (!format) {
    const options: Intl.DateTimeFormatOptions =
      part === "date"
        ? { year: "numeric", month: "long", day: "numeric", weekday: "short" }
        : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    format = new Intl.DateTimeFormat(locale, { ...options, timeZone: TIME_ZONE });
    formatters.set(key, format);
  }
  return format;
}

/**
 * A meeting's time in Asia/Shanghai: "2026年12月3日周四 14:30–16:30", or only the start.
 * Date and time are formatted apart because ICU's formatRange drops the long month in zh-CN.
 */
export function formatMeetingTime(startsAt: string, endsAt: string | null, locale: string): string {
  const start = new Date(startsAt);
  if (Number.isNaN(start.getTime())) return startsAt;
  const date = formatter(locale, "date");
  const time = formatter(locale, "time");
  const head = `${date.format(start)} ${time.format(start)}`;
  const end = endsAt ? new Date(endsAt) : null;
  if (!end || Number.isNaN(end.getTime()) || end < start) return head;
  const endDate = date.format(end);
  return endDate === date.format(start)
    ? `${head}–${time.format(end)}`
    : `${head} – ${endDate} ${time.format(end)}`;
}
