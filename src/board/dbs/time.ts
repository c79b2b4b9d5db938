// Post timestamps are the app host's local wall-clock time as `YYYY-MM-DD HH:MM:SS`, the format
// the original stored in its DATETIME column (set TZ to choose the zone; containers default to UTC).
const pad = (n: number) => String(n).padStart(2, '0');

export function formatTimestamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
