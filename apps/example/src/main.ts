// An internal app on @capgo-api/client: lists the apps the key can see with their channels
// (and their statistics once the statistics domain is merged).
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

  // ---- statistics ----------------------------------------------------------------------------
  // STATISTICS: filled in by the lead once the statistics domain is merged. Print, per app, the
  // last 7 days from `capgo.statistics.<procedure>.query({ app_id, from, to })`, e.g.
  //   console.log(`  ${day.date}  mau ${day.mau}  storage ${day.storage} B  bandwidth ${day.bandwidth} B`)
  // The test apps/server/test/example.test.ts has the matching place for its assertions.
  // ---- end of statistics ---------------------------------------------------------------------
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
