// GET /statistics/{app/:app_id, org/:org_id, user}: the REST answers of the statistics procedures,
// JSON or (with ?graph=) an SVG chart. The generic REST routes (http/rest.ts) answer JSON only, so
// these are registered first (rest.ts leaves their paths to them) and call the same procedures
// through createCaller: auth, validation and errors are exactly those of the router.
import { appRouter, type Context, createCallerFactory, GRAPHS, type Graph, toDay } from '@capgo-api/api'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { renderChart } from '../charts/svg.ts'
import { sendFailure } from './failure.ts'

const createCaller = createCallerFactory(appRouter)
type Caller = ReturnType<typeof createCaller>
type Stats = Awaited<ReturnType<Caller['statistics']['user']>>

export interface StatisticsChartsOptions {
  createContext: (opts: { req: FastifyRequest }) => Context
}

const isGraph = (v: unknown): v is Graph => typeof v === 'string' && (GRAPHS as readonly string[]).includes(v)

export async function statisticsCharts(app: FastifyInstance, opts: StatisticsChartsOptions) {
  const serve =
    <P>(
      call: (caller: Caller, query: Record<string, unknown>, params: P) => Promise<Stats>,
      subject: (ctx: Context, params: P) => Promise<string>,
    ) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const params = req.params as P
      const query = { ...(req.query as Record<string, unknown>) }
      const ctx = opts.createContext({ req })
      let stats: Stats
      let about = ''
      try {
        stats = await call(createCaller(ctx), query, params)
        // the caller may see what it asked about (else the call threw): name it on the chart
        if (isGraph(query.graph)) about = await subject(ctx, params)
      } catch (e) {
        return sendFailure(req, reply, e)
      }
      // the procedure has validated `graph`: anything else would have been a 400 above
      if (!isGraph(query.graph)) return reply.type('application/json; charset=utf-8').send(stats)
      const metric = query.graph
      // the axis spans the requested days; the series stops at today (the procedure validated both dates)
      const range = { from: toDay(String(query.from))!, to: toDay(String(query.to))! }
      const svg = renderChart({ metric, subject: about, range, points: stats.map((s) => ({ date: s.date, value: s[metric] })) })
      return reply
        .header('cache-control', 'private, no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .type('image/svg+xml; charset=utf-8')
        .send(svg)
    }

  app.get(
    '/statistics/app/:app_id',
    serve<{ app_id: string }>(
      (c, q, p) => c.statistics.app({ ...q, app_id: p.app_id } as never),
      async (ctx, p) => {
        const a = await ctx.services.db.app.findUnique({ where: { app_id: p.app_id }, select: { app_id: true, name: true } })
        return a?.name && a.name !== a.app_id ? `${a.name} (${a.app_id})` : p.app_id
      },
    ),
  )
  app.get(
    '/statistics/org/:org_id',
    serve<{ org_id: string }>(
      (c, q, p) => c.statistics.org({ ...q, org_id: p.org_id } as never),
      async (ctx, p) =>
        (await ctx.services.db.organization.findUnique({ where: { id: p.org_id }, select: { name: true } }))?.name || 'Organization',
    ),
  )
  app.get(
    '/statistics/user',
    serve<unknown>(
      (c, q) => c.statistics.user(q as never),
      async () => 'All your organizations',
    ),
  )
}
