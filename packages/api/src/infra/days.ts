// Day arithmetic on UTC calendar days written YYYY-MM-DD (statistics and MAU count by them).

const DAY_MS = 86_400_000

/** YYYY-MM-DD of a date, in UTC. */
export const dayOf = (d: Date) => d.toISOString().slice(0, 10)

/** Whole days from one YYYY-MM-DD to another. */
export const daysApart = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)

/** Every YYYY-MM-DD from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = []
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += DAY_MS) days.push(dayOf(new Date(t)))
  return days
}
