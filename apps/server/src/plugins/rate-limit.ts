// Rate limits (@fastify/rate-limit, on a store of our own, below):
// - per API key (by a hash of it, never the key itself), per IP without a key;
// - per device (IP + device_id) on the device endpoints, where a key header changes nothing;
// - per IP and file on signed downloads (a partial update fetches many files);
// - per IP, devices this server has not seen yet (a flood of invented device_ids creates rows);
// - per IP, failed authentications (401): over budget, a request is refused unless its key is valid;
// - a tRPC batch counts each call and holds at most `maxBatchCalls`.
// State lives in Redis when a URL is given, so several servers share it, else in the process; a
// Redis that fails or is slow (over `redisTimeoutMs`) is bypassed: the process counts meanwhile.
import { createHash } from 'node:crypto'
import { type ErrorCode, envelope, messageOf, readApiKey } from '@capgo-api/api'
import rateLimit, { normalizeIP } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { LRUCache } from 'lru-cache'
import { RATE_LIMIT_DEFAULTS } from '../limits.ts'
import { LimitCounters } from './rate-limit-store.ts'

export { RATE_LIMIT_DEFAULTS }

export interface RateLimitOptions {
  /** requests per window for one API key, or one IP without a key (default 6000 a minute) */
  max?: number
  /** requests per window for one device (IP + device_id) on the device endpoints (default 600) */
  deviceMax?: number
  /** devices this server has not seen, per IP per window, on the device endpoints (default 600) */
  newDevicesPerIp?: number
  /** window of the limits above, in ms (default 60 000) */
  timeWindowMs?: number
  /** failed authentications (401) per IP per window before keyed requests must prove their key (default 300) */
  authFailMax?: number
  /** window of the failed-authentication budget, in ms (default 60 000) */
  authFailWindowMs?: number
  /** calls in one tRPC batch (default 50) */
  maxBatchCalls?: number
  /** Redis key prefix (default `capgo-rl:`): servers sharing limits use the same one */
  prefix?: string
  /** how long a Redis command may take before the process counts instead (default 50 ms) */
  redisTimeoutMs?: number
  /** whether a key authenticates: asked only for an IP over its failed-authentication budget */
  isValidKey?: (apiKey: string) => Promise<boolean>
}

/** Endpoints the updater plugin calls without a key: limited per IP + device. */
export const DEVICE_PATHS = new Set(['/updates', '/updates/manifest_size', '/stats', '/channel_self'])
/** tRPC procedures behind the device endpoints: their devices count toward the new-device ceiling too. */
const DEVICE_PROCEDURE_PREFIX = 'plugin.'
/**
 * Signed file downloads (a bundle, or one file of a partial update): limited per IP and file, not
 * per IP. A partial update fetches every changed file, and many devices may share one address
 * (a NAT, a carrier's gateway): a budget per IP would stop them halfway. The signature, not a key,
 * is their credential, so failed authentications of others on the address do not lock them out.
 */
const DOWNLOAD_PREFIXES = ['/bundle/download/', '/bundle_files/']
/** Never limited (health checks from load balancers). */
const EXEMPT_PATHS = new Set(['/ok'])
/** Devices remembered as seen, per server (a forgotten one just counts as new again). */
const KNOWN_DEVICES = 20_000

const pathOf = (req: FastifyRequest) => req.url.split('?', 1)[0]!.replace(/\/+$/, '') || '/'
/** The client's address, an IPv6 one as its /64 (one host usually holds a whole /64). */
const clientOf = (req: FastifyRequest) => normalizeIP(req.ip, 64)

/** A stable, non-reversible bucket name for a key: a hash distinct from the stored key hash. */
const keyBucket = (apiKey: string) => createHash('sha256').update(`capgo-rate-limit\0${apiKey}`).digest('hex').slice(0, 40)

type DeviceRef = { app_id: string; device_id: string }
const str = (v: unknown) => (typeof v === 'string' ? v : '')
const refOf = (v: unknown): DeviceRef | undefined => {
  if (!v || typeof v !== 'object') return undefined
  const o = v as Record<string, unknown>
  const device_id = str(o.device_id).toLowerCase().slice(0, 255)
  return device_id ? { app_id: str(o.app_id).slice(0, 255), device_id } : undefined
}
/** The devices a device request names: one info object, or /stats' events (an array, `{events}`, or `{"0": …}`). */
function devicesIn(input: unknown): DeviceRef[] {
  if (!input || typeof input !== 'object') return []
  const o = input as Record<string, unknown>
  const list = Array.isArray(input)
    ? input
    : Array.isArray(o.events)
      ? o.events
      : Object.keys(o).length && Object.keys(o).every((k) => /^\d+$/.test(k))
        ? Object.values(o)
        : [input]
  const refs: DeviceRef[] = []
  for (const item of list.slice(0, 1000)) {
    const r = refOf(item)
    if (r) refs.push(r)
  }
  return refs
}

/** The device_id of a device request (its first device), for the per-device bucket. */
const deviceIdOf = (req: FastifyRequest) => (devicesIn(req.body)[0] ?? refOf(req.query))?.device_id ?? ''

/** tRPC: the procedure paths of `/trpc/<path>?batch=1` (one for a single call). */
function trpcCalls(req: FastifyRequest): string[] | undefined {
  if (!req.url.startsWith('/trpc/')) return undefined
  const q = req.url.indexOf('?')
  let path = req.url.slice(6, q < 0 ? undefined : q)
  try {
    path = decodeURIComponent(path)
  } catch {} // tRPC answers the bad encoding
  const batch = q >= 0 && new URLSearchParams(req.url.slice(q + 1)).get('batch') === '1'
  return batch ? path.split(',') : [path]
}

/** The devices named by the device procedures of a tRPC request (after its body is read). */
function trpcDevices(req: FastifyRequest, calls: string[]): DeviceRef[] {
  if (!calls.some((c) => c.startsWith(DEVICE_PROCEDURE_PREFIX))) return []
  let input: unknown
  try {
    const raw = req.method === 'GET' ? (req.query as Record<string, unknown>).input : req.body
    input = typeof raw === 'string' ? JSON.parse(raw) : raw
  } catch {
    return [] // tRPC answers the bad JSON
  }
  const batch = calls.length > 1 || /[?&]batch=1(&|$)/.test(req.url)
  return calls.flatMap((c, i) =>
    c.startsWith(DEVICE_PROCEDURE_PREFIX) ? devicesIn(batch ? (input as Record<string, unknown> | undefined)?.[i] : input) : [],
  )
}

// ---- the plugin ---------------------------------------------------------------------------------

export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions, redisUrl?: string) {
  // options left undefined keep the defaults
  const o = {
    ...RATE_LIMIT_DEFAULTS,
    redisTimeoutMs: 50,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Required<RateLimitOptions> & typeof RATE_LIMIT_DEFAULTS
  const counters = new LimitCounters(app.log, o.prefix, redisUrl, o.redisTimeoutMs)
  app.addHook('onReady', () => counters.connected(2000))
  app.addHook('onClose', () => counters.close())

  const isDevice = (req: FastifyRequest) => DEVICE_PATHS.has(pathOf(req))
  const isDownload = (req: FastifyRequest) =>
    (req.method === 'GET' || req.method === 'HEAD') && DOWNLOAD_PREFIXES.some((p) => req.url.startsWith(p))
  const refuse = (reply: FastifyReply, status: number, error: ErrorCode, retryAfterMs?: number) => {
    if (retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))))
    return reply
      .code(status)
      .type('application/json')
      .send(envelope({ error, status, message: messageOf(error) }))
  }

  // the main budget: per device on the device endpoints, per file on downloads, else per key, else per IP
  const bucketOf = (req: FastifyRequest) => {
    if (isDevice(req)) return `d:${clientOf(req)}:${deviceIdOf(req)}`
    if (isDownload(req)) return `f:${clientOf(req)}:${createHash('sha256').update(pathOf(req)).digest('hex').slice(0, 32)}`
    const apiKey = readApiKey(req.headers)
    return apiKey ? `k:${keyBucket(apiKey)}` : `ip:${clientOf(req)}`
  }
  await app.register(rateLimit, {
    global: true,
    // after body parsing, so the device endpoints can be keyed by device_id
    hook: 'preHandler',
    timeWindow: o.timeWindowMs,
    max: (_req, key) => (key.startsWith('d:') ? o.deviceMax : o.max),
    keyGenerator: bucketOf,
    allowList: (req) => EXEMPT_PATHS.has(pathOf(req)),
    skipOnError: true,
    store: counters.storeClass(),
    errorResponseBuilder: () => Object.assign(new Error(messageOf('too_many_requests')), { statusCode: 429 }),
  })

  // ---- tRPC batches: at most maxBatchCalls, and each call counts ------------------------------
  const callsOf = new WeakMap<FastifyRequest, string[]>()
  app.addHook('onRequest', async (req, reply) => {
    const calls = trpcCalls(req)
    if (!calls) return
    if (calls.length > o.maxBatchCalls) return refuse(reply, 400, 'batch_too_large')
    callsOf.set(req, calls)
    // the limiter counts the request itself (preHandler): the other calls are added here
    if (calls.length > 1) await counters.incr(bucketOf(req), o.timeWindowMs, calls.length - 1)
  })

  // ---- devices this server has not seen, per IP ------------------------------------------------
  const known = new LRUCache<string, true>({ max: KNOWN_DEVICES })
  app.addHook('preHandler', async (req, reply) => {
    const calls = callsOf.get(req)
    if (!calls && !isDevice(req)) return
    let refs = calls ? trpcDevices(req, calls) : devicesIn(req.body)
    if (!calls && !refs.length) refs = [refOf(req.query)].filter((r) => r !== undefined)
    let fresh: string[] | undefined
    for (const r of refs) {
      const id = `${r.app_id}\0${r.device_id}`
      if (!known.has(id) && !fresh?.includes(id)) {
        fresh ??= []
        fresh.push(id)
      }
    }
    if (!fresh) return // the usual case: a known device costs a lookup in memory
    const { current, ttl } = await counters.incr(`nd:${clientOf(req)}`, o.timeWindowMs, fresh.length)
    if (current > o.newDevicesPerIp) return refuse(reply, 429, 'too_many_requests', ttl)
    for (const id of fresh) known.set(id, true)
  })

  // ---- failed authentications, per IP ------------------------------------------------------
  const guarded = (req: FastifyRequest) => !isDevice(req) && !isDownload(req) && !EXEMPT_PATHS.has(pathOf(req))
  const authFailKey = (req: FastifyRequest) => `af:${clientOf(req)}`
  app.addHook('onRequest', async (req, reply) => {
    if (reply.sent || !guarded(req)) return
    const { current, ttl } = await counters.read(authFailKey(req))
    if (current < o.authFailMax) return
    // over budget: only a valid key goes on (checked here, so a guessed key costs no more than before)
    const apiKey = readApiKey(req.headers)
    if (apiKey && o.isValidKey && (await o.isValidKey(apiKey).catch(() => true))) return
    return refuse(reply, 429, 'too_many_requests', ttl)
  })
  // Not awaited: the 401 need not wait for the store.
  const counted = new WeakSet<FastifyRequest>()
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode === 401 && guarded(req) && !counted.has(req)) {
      counted.add(req)
      void counters.incr(authFailKey(req), o.authFailWindowMs)
    }
    return payload
  })
}
