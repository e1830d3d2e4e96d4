// An internal app on @capgo-api/client: lists the apps the key can see with their channels
// and the last 7 days of their statistics.
//
//   CAPGO_URL=http://127.0.0.1:3000 CAPGO_API_KEY=… pnpm --filter @capgo-api/example start
//
// Every call is typed by the server's router; calls made together share one HTTP request.
import { createClient, isCapgoError, type RouterOutputs } from '@capgo-api/client'

type App = RouterOutputs['app']['list'][number]
type Channel = Extract<RouterOutputs['channel']['get'], unknown[]>[number]

const url = process.env.CAPGO_URL ?? 'http://127.0.0.1:3000'
const apiKey = process.env.CAPGO_API_KEY
if (!apiKey) {
  console.error('Set CAPGO_API_KEY (and CAPGO_URL, default http://127.0.0.1:3000).')
  process.exit(2)
}

const capgo = createClient({ url, apiKey })

/** Every app the key can see, page by page. */
async function allApps(): Promise<App[]> {
  const apps: App[] = []
  for (let page = 0; ; page++) {
    const batch = await capgo.app.list.query({ page, limit: 100 })
    apps.push(...batch)
    if (batch.length < 100) return apps
  }
}

/** The channels of an app (the list form of GET /channel: no `channel` given). */
async function channelsOf(app_id: string): Promise<Channel[]> {
  const res = await capgo.channel.get.query({ app_id, limit: 1000 })
  return Array.isArray(res) ? res : [res]
}

const describeChannel = (c: Channel) => {
  const flags = [c.public ? 'default' : null, c.ios ? 'ios' : null, c.android ? 'android' : null].filter(Boolean).join(', ')
  return `${c.name} → ${c.version ? c.version.name : 'no bundle'} (${flags})`
}

const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`)

async function main() {
  const apps = await allApps()
  console.log(`${apps.length} app(s) at ${url}`)
  // one batched request for all the apps' channels
  const channels = await Promise.all(apps.map((a) => channelsOf(a.app_id)))
  apps.forEach((app, i) => {
    console.log(`\n${app.app_id}  "${app.name}"  (organization ${app.owner_org}, created ${app.created_at.slice(0, 10)})`)
    const list = channels[i] ?? []
    if (!list.length) console.log('  no channels')
    for (const c of list) console.log(`  channel ${describeChannel(c)}`)
  })

  // ---- statistics: the last 7 days of each app, one batched request -------------------------
  const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10)
  const [from, to] = [day(6), day(0)]
  const stats = await Promise.all(apps.map((a) => capgo.statistics.app.query({ app_id: a.app_id, from, to })))
  console.log(`\nstatistics ${from} → ${to}`)
  apps.forEach((app, i) => {
    console.log(`\n${app.app_id}`)
    for (const d of stats[i] ?? []) console.log(`  ${d.date}  mau ${d.mau}  storage ${bytes(d.storage)}  bandwidth ${bytes(d.bandwidth)}`)
  })
}

main().catch((e: unknown) => {
  // typed errors: the contract's code is on the thrown error
  if (isCapgoError(e)) {
    console.error(`capgo-api refused: ${e.code ?? 'no answer'} (HTTP ${e.httpStatus ?? '-'}): ${e.message}`)
    process.exit(e.code === 'invalid_apikey' || e.code === 'no_key_provided' ? 3 : 1)
  }
  console.error(e)
  process.exit(1)
})
