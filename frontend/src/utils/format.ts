/**
 * @module format — dates and durations for display (local time, zh-CN conventions).
 */

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `MM-DD HH:mm` in local time; the input as given when it is not a date. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** `12.3 秒`, `1 分 5 秒` style for totals. */
export function formatDuration(seconds: number): string {
  const tenths = Math.round(seconds * 10) / 10;
  if (tenths < 60) return `${tenths} 秒`;
  // Round once, before splitting: rounding the remainder alone shows 119.6 s as "1 分 60 秒".
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} 分 ${whole % 60} 秒`;
  return `${Math.floor(minutes / 60)} 小时 ${minutes % 60} 分`;
}
