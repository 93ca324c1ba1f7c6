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

/** A day in Asia/Shanghai: "2026年12月3日周四". */
export function formatDay(at: string, locale: string): string {
  const moment = new Date(at);
  return Number.isNaN(moment.getTime()) ? at : formatter(locale, "date").format(moment);
}

/** A server time (epoch seconds) as a wall-clock time of day in Asia/Shanghai: "14:32:05". */
export function formatClock(epochSeconds: number, locale: string): string {
  const key = `${locale}|clock`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZone: TIME_ZONE,
    });
    formatters.set(key, format);
  }
  return format.format(new Date(epochSeconds * 1000));
}

/** A length of time as a timer shows it: "03:07", or "1:02:09" from an hour on. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
