// The read lines: REST and tRPC reads against their bare routes (throughput), a deep device page
// against page 1 (latency), and a year of organization statistics.
import { type DatasetInfo, DEVICE_APP, deviceId, STATS_ORG } from './dataset.ts'
import { alternate, headers, load, warm } from './driver.ts'
import { DEVICES, PAGE, wanted } from './options.ts'
import { fmt, type Row } from './report.ts'

/** What a line of the bench needs: the server, the dataset, and where its figures go. */
export interface BenchContext {
  base: string
  data: DatasetInfo
  row: (r: Omit<Row, 'db'>) => void
}

export async function benchReads({ base, data, row }: BenchContext) {
  // ---- throughput against the bare route ----
  const throughput = async (bare: string, measured: [string, string][]) => {
    const todo = measured.filter(([what]) => wanted(what))
    if (!todo.length) return
    for (const p of [bare, ...todo.map(([, p]) => p)]) await warm(base, p)
    const results = await alternate([
      () => load(base, bare),
      ...todo.map(
        ([, p]) =>
          () =>
            load(base, p),
      ),
    ])
    const [b, ...ms] = results
    todo.forEach(([what], i) => {
      const m = ms[i]!
      const ratio = results.ratio(i + 1, 0, (r) => r.rps)
      // issue 12: REST reads ≥ 0.8× their bare route, tRPC reads (the stock adapter) ≥ 0.7×
      const floor = what.startsWith('tRPC') ? 0.7 : 0.8
      row({
        what,
        value: `${fmt(m.rps)} req/s`,
        baseline: `${fmt(b!.rps)} req/s (bare)`,
        ratio,
        target: `≥ ${floor}×`,
        pass: ratio >= floor,
      })
    })
  }
  const trpc = (proc: string, input: unknown) => `/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`
  const q = `?app_id=${DEVICE_APP}`
  await throughput(`/__bare/channel${q}`, [
    ['REST GET /channel', `/channel${q}`],
    ['tRPC channel.get', trpc('channel.get', { app_id: DEVICE_APP })],
  ])
  await throughput(`/__bare/device${q}`, [
    ['REST GET /device (page 1)', `/device${q}`],
    ['tRPC device.get (page 1)', trpc('device.get', { app_id: DEVICE_APP })],
  ])
  // ---- a deep device page against page 1 (latency, one connection) ----
  if (wanted('device page')) {
    const page = Math.floor(DEVICES / PAGE)
    // the last row of the previous page: device i has updated_at = base - i ms
    const last = (page - 1) * PAGE - 1
    const cursor = `${new Date(data.baseTime - last).toISOString()}|${deviceId(last)}`
    const deep = `/device${q}&cursor=${encodeURIComponent(cursor)}`
    const body = (await (await fetch(base + deep, { headers })).json()) as { data: { device_id: string }[] }
    if (body.data.length !== PAGE || body.data[0]!.device_id !== deviceId(last + 1))
      throw new Error(`page ${page} is not rows ${last + 1}…: ${JSON.stringify(body).slice(0, 200)}`)
    await warm(base, deep)
    const pages = await alternate([() => load(base, `/device${q}`, { connections: 1 }), () => load(base, deep, { connections: 1 })])
    const [p1, pN] = pages
    const ratio = pages.ratio(1, 0, (r) => r.mean)
    row({
      what: `REST device page ${page.toLocaleString('en-US')} of ${DEVICES.toLocaleString('en-US')} (latency)`,
      value: `${pN!.mean.toFixed(2)} ms`,
      baseline: `${p1!.mean.toFixed(2)} ms (page 1)`,
      ratio,
      target: '≤ 1.5×',
      pass: ratio <= 1.5,
    })
  }

  // ---- statistics: 366 days × 100 apps ----
  if (wanted('statistics')) {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
    const range = `?from=${day(data.baseTime - (data.statsDays - 1) * 86_400_000)}&to=${day(data.baseTime)}`
    const measured = `/statistics/org/${STATS_ORG}${range}`
    const bare = `/__bare/statistics/org/${STATS_ORG}${range}`
    const [a, b] = await Promise.all([
      fetch(base + measured, { headers }).then((r) => r.json()),
      fetch(base + bare, { headers }).then((r) => r.json()),
    ])
    if (JSON.stringify(a) !== JSON.stringify(b) || (a as unknown[]).length !== data.statsDays)
      throw new Error('statistics: the bare and the REST answers differ')
    await warm(base, measured)
    await warm(base, bare)
    const stats = await alternate([() => load(base, bare, { connections: 1 }), () => load(base, measured, { connections: 1 })])
    const [sb, sm] = stats
    row({
      what: `REST GET /statistics/org (${data.statsDays} days × 100 apps)`,
      value: `${sm!.mean.toFixed(1)} ms (p99 ${sm!.p99} ms)`,
      baseline: `${sb!.mean.toFixed(1)} ms (bare)`,
      ratio: stats.ratio(1, 0, (r) => r.mean),
      target: '≤ 50 ms',
      pass: sm!.mean <= 50,
    })
  }
}
