// Rate limits (@fastify/rate-limit): per API key (by a hash of it, never the key itself), per IP
// without a key, per IP + device on the device-facing endpoints, and a stricter per-IP budget of
// failed authentications (401). State lives in Redis when a URL is given, so several servers
// share it; otherwise in memory. A Redis outage never fails a request (limits are skipped).
import { createHash } from 'node:crypto'
import rateLimit from '@fastify/rate-limit'
import { envelope, messageOf, readApiKey } from '@capgo-api/api'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Redis } from 'ioredis'

export interface RateLimitOptions {
  /** requests per window for one API key, or one IP without a key (default 6000 a minute) */
  max?: number
  /** requests per window for one device (IP + device_id) on the device-facing endpoints (default 600) */
  deviceMax?: number
  /** window of the limits above, in ms (default 60 000) */
  timeWindowMs?: number
  /** failed authentications (401) per IP per window before every keyed request is refused (default 300) */
  authFailMax?: number
  /** window of the failed-authentication budget, in ms (default 60 000) */
  authFailWindowMs?: number
  /** Redis key prefix (default `capgo-rl:`): servers sharing limits use the same one */
  prefix?: string
}

export const RATE_LIMIT_DEFAULTS = {
  max: 6000,
  deviceMax: 600,
  timeWindowMs: 60_000,
  authFailMax: 300,
  authFailWindowMs: 60_000,
  prefix: 'capgo-rl:',
} satisfies Required<RateLimitOptions>

/** Endpoints the updater plugin calls without a key: limited per IP + device. */
export const DEVICE_PATHS = new Set(['/updates', '/stats', '/channel_self'])
/** Never limited (health checks from load balancers). */
const EXEMPT_PATHS = new Set(['/ok'])

const pathOf = (req: FastifyRequest) => req.url.split('?', 1)[0]!.replace(/\/+$/, '') || '/'

/** A stable, non-reversible bucket name for a key: a hash distinct from the stored key hash. */
const keyBucket = (apiKey: string) => createHash('sha256').update(`capgo-rate-limit\0${apiKey}`).digest('hex').slice(0, 40)

function deviceIdOf(req: FastifyRequest): string {
  const pick = (v: unknown) => (v && typeof v === 'object' && typeof (v as { device_id?: unknown }).device_id === 'string' ? (v as { device_id: string }).device_id : '')
  const body = Array.isArray(req.body) ? req.body[0] : req.body
  return (pick(body) || pick(req.query)).toLowerCase().slice(0, 255)
}

export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions, redisUrl?: string) {
  const o = { ...RATE_LIMIT_DEFAULTS, ...options }
  let redis: Redis | undefined
  if (redisUrl) {
    // fail fast: a slow or absent Redis must not hold requests (skipOnError lets them through)
    redis = new Redis(redisUrl, { connectTimeout: 1000, maxRetriesPerRequest: 1, commandTimeout: 1000, lazyConnect: false })
    redis.on('error', (err) => app.log.warn({ err: { message: err.message } }, 'rate-limit store (Redis) error'))
    app.addHook('onClose', async () => {
      await redis!.quit().catch(() => redis!.disconnect())
    })
  }

  const isDevice = (req: FastifyRequest) => DEVICE_PATHS.has(pathOf(req))
  const tooMany = (ttlMs: number) => {
    const err = Object.assign(new Error(messageOf('rate_limited')), { statusCode: 429, retryAfter: Math.max(1, Math.ceil(ttlMs / 1000)) })
    return err
  }

  await app.register(rateLimit, {
    global: true,
    // after body parsing, so the device endpoints can be keyed by device_id
    hook: 'preHandler',
    timeWindow: o.timeWindowMs,
    max: (_req, key) => (key.startsWith('d:') ? o.deviceMax : o.max),
    keyGenerator: (req) => {
      const apiKey = readApiKey(req.headers)
      if (apiKey) return `k:${keyBucket(apiKey)}`
      if (isDevice(req)) return `d:${req.ip}:${deviceIdOf(req)}`
      return `ip:${req.ip}`
    },
    allowList: (req) => EXEMPT_PATHS.has(pathOf(req)),
    skipOnError: true,
    ...(redis ? { redis, nameSpace: o.prefix } : {}),
    errorResponseBuilder: (_req, ctx) => tooMany(ctx.ttl),
  })

  // ---- failed authentications, per IP ------------------------------------------------------
  const authFail = app.createRateLimit({
    max: o.authFailMax,
    timeWindow: o.authFailWindowMs,
    keyGenerator: (req) => `af:${req.ip}`,
    allowList: () => false,
  })
  const counted = new WeakSet<FastifyRequest>()
  const guarded = (req: FastifyRequest) => !isDevice(req) && !EXEMPT_PATHS.has(pathOf(req))

  app.addHook('onRequest', async (req, reply) => {
    if (!guarded(req)) return
    let state
    try {
      state = await authFail(req, { increment: false })
    } catch {
      return // store down: let the request through
    }
    if (state.isAllowed || state.max === undefined) return
    if ((state.remaining ?? 1) <= 0) {
      const retryAfter = Math.max(1, state.ttlInSeconds ?? 1)
      return reply
        .code(429)
        .header('retry-after', String(retryAfter))
        .type('application/json')
        .send(envelope({ error: 'rate_limited', status: 429, message: messageOf('rate_limited') }))
    }
  })
  // Not awaited: the 401 need not wait for the store. The count starts here synchronously enough
  // (memory: at once; Redis: the command is queued before the answer).
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode === 401 && guarded(req) && !counted.has(req)) {
      counted.add(req)
      authFail(req).catch(() => {})
    }
    return payload
  })
}
