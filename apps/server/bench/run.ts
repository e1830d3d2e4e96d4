// `pnpm bench [--quick] [--db sqlite|postgres|all|none] [--only <text>] [--rounds n] [--node-flags "<flags>"] [--cpu-prof]`:
// builds a dataset, starts the production server, drives it with autocannon and prints each
// figure as a ratio against a baseline measured in the same run (bare routes of the same process
// running the same functions). Runs alternate (bare, measured, bare, measured, …) and a ratio is
// the median over the rounds of each round's own ratio: the machine is shared and its speed
// drifts, which a round's pair shares. Not part of `pnpm test`.
// The lines live in reads.ts, check-ins.ts, manifest.ts and hosting.ts; driver.ts runs the server
// and the load, report.ts prints the figures.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { applyMigrations } from '@capgo-api/db/migrate'
import { benchCheckIns } from './check-ins.ts'
import { BENCH_KEY, buildDataset } from './dataset.ts'
import { freshDatabase, startServer } from './driver.ts'
import { benchHosting } from './hosting.ts'
import { manifestBench } from './manifest.ts'
import { DEVICES, dbArg, NODE_FLAGS, quick, ROUNDS, START_ENV, serverDir, wanted } from './options.ts'
import { benchReads } from './reads.ts'
import { fmt, printReport, type Row, verdict } from './report.ts'

async function benchDatabase(kind: 'sqlite' | 'postgres'): Promise<Row[]> {
  const { url, drop } = await freshDatabase(kind)
  const rows: Row[] = []
  const row = (r: Omit<Row, 'db'>) => {
    rows.push({ db: kind, ...r })
    console.log(`[${kind}] ${r.what}: ${r.value} vs ${r.baseline} → ${r.ratio.toFixed(2)}× (${r.target}) ${verdict(r.pass)}`)
  }
  try {
    await applyMigrations(url)
    const t0 = Date.now()
    const data = await buildDataset(url, DEVICES)
    console.log(
      `[${kind}] dataset: ${DEVICES.toLocaleString('en-US')} devices, 100 apps × ${data.statsDays} days of statistics in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    )
    const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-bench-bundles-'))
    const server = startServer(url, kind, storageDir)
    const base = await server.ready
    try {
      const ctx = { base, data, row }
      await benchReads(ctx)
      await benchCheckIns(ctx)

      // ---- partial updates: a device that has most files of a bundle ----
      if (wanted('manifest')) {
        const m = await manifestBench(base, BENCH_KEY, 'bench-org')
        const ratio = m.downloaded / m.zip
        row({
          what: `manifest update where 1 of ${m.files} files changed: bytes a device downloads`,
          value: `${fmt(m.downloaded)} B = ${(ratio * 100).toFixed(2)} % (${m.fetched} of ${m.files} files; manifest_size: ${fmt(m.estimated)} B)`,
          baseline: `${fmt(m.zip)} B (the full zip)`,
          ratio,
          target: '≤ 0.05×',
          // the plugin's estimate (POST /updates/manifest_size) must be what it then downloads
          pass: ratio <= 0.05 && m.estimated === m.downloaded,
        })
      }

      const mem = (await (await fetch(`${base}/__bare/memory`)).json()) as Record<string, number>
      console.log(
        `[${kind}] memory after the run: ${Object.entries(mem)
          .map(([k, v]) => `${k} ${(v / 1048576).toFixed(0)} MB`)
          .join(', ')}`,
      )
      const rss = server.maxRss()
      row({
        what: 'server RSS under load (max)',
        value: `${(rss / 1048576).toFixed(0)} MB`,
        baseline: '250 MB',
        ratio: rss / (250 * 1048576),
        target: '≤ 1×',
        pass: rss <= 250 * 1048576,
      })
    } finally {
      await server.stop()
      fs.rmSync(storageDir, { recursive: true, force: true })
    }
  } finally {
    await drop()
  }
  return rows
}

const started = Date.now()
execFileSync(process.execPath, [path.join(serverDir, 'scripts/build.mjs')], { cwd: serverDir, stdio: 'inherit' })
// `--db none`: only the lines that need no dataset (bundle hosting)
const kinds = dbArg === 'all' ? (['sqlite', 'postgres'] as const) : dbArg === 'none' ? [] : ([dbArg as 'sqlite' | 'postgres'] as const)
const all: Row[] = []
for (const kind of kinds) all.push(...(await benchDatabase(kind)))
// bundle hosting (issue 14): bytes on the disk store, the database barely matters (SQLite)
if (wanted('bundle')) {
  for (const r of await benchHosting({ nodeFlags: NODE_FLAGS, env: START_ENV, downloads: quick ? 64 : 128, rounds: ROUNDS })) {
    all.push({ db: 'sqlite', ...r })
    console.log(`[hosting] ${r.what}: ${r.value} vs ${r.baseline} → ${r.ratio.toFixed(2)}× (${r.target}) ${verdict(r.pass)}`)
  }
}

printReport(all, started)
