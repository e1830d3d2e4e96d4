// The bench's figures: one row per line, printed as they come and as a table at the end.
import os from 'node:os'
import { CONNECTIONS, DURATION, NODE_FLAGS, quick, ROUNDS, START_ENV } from './options.ts'

export interface Row {
  db: string
  what: string
  value: string
  baseline: string
  ratio: number
  target: string
  /** undefined: a figure the issue sets no target for, shown for information */
  pass?: boolean
}

export const verdict = (pass?: boolean) => (pass === undefined ? '' : pass ? 'ok' : 'MISSED')
export const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2))

/** The table of every row, after a line on the run (machine, flags, duration). */
export function printReport(all: Row[], started: number) {
  const header = ['db', 'what', 'measured', 'baseline (same run)', 'ratio', 'target', '']
  const lines = all.map((r) => [r.db, r.what, r.value, r.baseline, `${r.ratio.toFixed(2)}×`, r.target, verdict(r.pass)])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const printRow = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  const cpu = os.cpus()
  console.log(
    `\n${quick ? 'quick' : 'full'} run (${DURATION} s runs, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds: figures are medians, ratios the median of each round's ratio) on ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}, server flags \`${[...Object.entries(START_ENV).map(([k, v]) => `${k}=${v}`), ...NODE_FLAGS].join(' ') || 'none'}\`, ${new Date().toISOString()}, ${((Date.now() - started) / 1000).toFixed(0)} s in all\n`,
  )
  console.log(printRow(header))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const l of lines) console.log(printRow(l))
}
