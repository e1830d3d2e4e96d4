import { fork } from 'node:child_process'
import autocannon from 'autocannon'
import { buildDataset, BENCH_KEY, DEVICE_APP } from './dataset.ts'
await buildDataset('file:/tmp/s5/c.db', 1000)
const child = fork('dist/bench-server.mjs', [], { env: { ...process.env, DATABASE_URL: 'file:/tmp/s5/c.db' }, execArgv: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] })
const address: string = await new Promise((r) => child.once('message', (m: any) => r(m.address)))
const path = process.argv[2] ?? `/channel?app_id=${DEVICE_APP}`
await autocannon({ url: address + path, connections: 16, duration: 3, headers: { authorization: BENCH_KEY } })
const r = await autocannon({ url: address + path, connections: 16, duration: 8, headers: { authorization: BENCH_KEY } })
console.log('rps', r.requests.average)
child.kill('SIGTERM')
await new Promise((res) => child.once('exit', res))
