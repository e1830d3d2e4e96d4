import { fork } from 'node:child_process'
import fs from 'node:fs'
import autocannon from 'autocannon'
import { applyMigrations } from '@capgo-api/db/migrate'
import { BENCH_KEY, buildDataset, DEVICE_APP, deviceId } from './dataset.ts'
const dir = fs.mkdtempSync('/tmp/capgo-probe-')
const url = `file:${dir}/b.db`
await applyMigrations(url)
await buildDataset(url, 200_000)
const child = fork('dist/bench-server.mjs', [], { env: { ...process.env, DATABASE_URL: url }, execArgv: (process.env.FLAGS ?? '').split(' ').filter(Boolean) })
const base: string = await new Promise((r) => child.once('message', (m: any) => r(m.address)))
for (const conns of (process.env.CONNS ?? '1,32').split(',').map(Number)) {
  let i = Math.floor(Math.random() * 100000)
  const r = await autocannon({ url: base + (process.env.P ?? '/updates'), connections: conns, duration: Number(process.env.DUR ?? 3), method: 'POST', headers: { 'content-type': 'application/json', authorization: BENCH_KEY },
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: JSON.stringify({ app_id: DEVICE_APP, device_id: deviceId(i++ % 200000), platform: 'ios', version_name: '1.0.0', version_build: '1.0.0', plugin_version: '6.0.0', version_os: '17.0', is_emulator: false, is_prod: true }) }) }] })
  console.log(conns, 'conns: rps', r.requests.average, 'mean', r.latency.average, 'p99', r.latency.p99, 'non2xx', r.non2xx)
}
child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); fs.rmSync(dir, { recursive: true })
