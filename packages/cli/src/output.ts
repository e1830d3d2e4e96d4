// What the CLI prints: human lines by default; with --json only JSON on stdout (the API's answer).
// Progress bars go to stderr, and only when stderr is a terminal and --json is off.
import cliProgress from 'cli-progress'
import type { Progress } from './zip.ts'

export interface Output {
  json: boolean
  /** prints the human text, or the JSON value with --json */
  result(human: string | (() => string), value: unknown): void
  /** a side note for humans (stderr, never with --json) */
  note(text: string): void
  /** a progress bar for one step; a no-op without a TTY or with --json */
  progress(label: string, unit: 'bytes' | 'files'): { update: Progress; stop(): void }
}

const formatBytes = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 ** 2).toFixed(1)} MB`

export function createOutput(json: boolean, stream: NodeJS.WriteStream = process.stderr): Output {
  const interactive = !json && stream.isTTY === true
  return {
    json,
    result(human, value) {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
      else process.stdout.write(`${typeof human === 'function' ? human() : human}\n`)
    },
    note(text) {
      if (!json) stream.write(`${text}\n`)
    },
    progress(label, unit) {
      if (!interactive) return { update: () => {}, stop: () => {} }
      const bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label.padEnd(10)} [{bar}] {percentage}% | {done} / {size}`,
          hideCursor: true,
          clearOnComplete: false,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      )
      const fmt = (n: number) => (unit === 'bytes' ? formatBytes(n) : String(n))
      let started = false
      return {
        update(done, total) {
          if (!started) {
            bar.start(total, 0, { done: fmt(0), size: fmt(total) })
            started = true
          }
          bar.setTotal(total)
          bar.update(done, { done: fmt(done), size: fmt(total) })
        },
        stop() {
          if (started) bar.stop()
        },
      }
    },
  }
}

/** Rows as aligned columns (the first row is the header). */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n')
}

export { formatBytes }
