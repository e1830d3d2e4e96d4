// The environment, parsed once. An invalid value stops start-up with a one-line error naming it.
import net from 'node:net'
import { absoluteFileUrl, commandDir, DEFAULT_DATABASE_URL, DEFAULT_STORAGE_URL } from '@capgo-api/db/paths'
import { z } from 'zod'
import { BODY_TIMEOUT_MS_DEFAULT, BUNDLE_MAX_BYTES_DEFAULT, DATABASE_QUERY_TIMEOUT_MS_DEFAULT, RATE_LIMIT_DEFAULTS } from './limits.ts'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY lists */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])
const isAddressOrCidr = (v: string) => {
  if (PROXY_RANGES.has(v)) return true
  const [addr = '', bits, ...rest] = v.split('/')
  const family = net.isIP(addr)
  if (!family || rest.length) return false
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
}

/** Fastify's trustProxy: `true`/`false`, a hop count, or a comma-separated list of addresses, CIDRs and range names. */
const trustProxy = z
  .string()
  .trim()
  .transform((v, ctx): boolean | number | string[] => {
    if (/^(true|false)$/i.test(v)) return v.toLowerCase() === 'true'
    if (/^\d+$/.test(v)) return Number(v)
    const list = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    const bad = list.find((s) => !isAddressOrCidr(s))
    if (bad !== undefined || !list.length) {
      ctx.addIssue({
        code: 'custom',
        message: `must be true, false, a hop count or a comma-separated list of IP addresses/CIDRs${bad ? ` (not "${bad}")` : ''}`,
      })
      return z.NEVER
    }
    return list
  })

/** An absolute http(s) URL, kept without its trailing slash. */
const httpUrl = z
  .url({ protocol: /^https?$/ })
  .refine((u) => {
    try {
      const url = new URL(u)
      return !url.username && !url.password
    } catch {
      return true // not a URL: z.url() says so
    }
  }, 'must not hold a user:password part')
  .transform((u) => u.replace(/\/+$/, ''))

export const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .default(DEFAULT_DATABASE_URL)
    .refine((u) => /^(file:|postgres(ql)?:\/\/)/.test(u), 'must be a file: (SQLite) or postgresql:// URL'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** json: one JSON object a line; pretty: readable and colored; auto (default): pretty on a terminal, else json */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** turns GET /metrics on (Prometheus text); scrapers send it as `authorization: Bearer <token>` */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
  /** requests a minute per API key (or per IP without one); 0 turns every rate limit off */
  RATE_LIMIT_MAX: z.coerce.number().int().min(0).default(RATE_LIMIT_DEFAULTS.max),
  /** requests a minute per device on the device-facing endpoints */
  RATE_LIMIT_DEVICE_MAX: z.coerce.number().int().min(1).default(RATE_LIMIT_DEFAULTS.deviceMax),
  /** failed authentications a minute per IP */
  RATE_LIMIT_AUTH_FAIL_MAX: z.coerce.number().int().min(1).default(RATE_LIMIT_DEFAULTS.authFailMax),
  /** devices this server has not seen, a minute per IP, on the device-facing endpoints */
  RATE_LIMIT_NEW_DEVICES_PER_IP: z.coerce.number().int().min(1).default(RATE_LIMIT_DEFAULTS.newDevicesPerIp),
  /** a request body still arriving after this many ms is cut (408) */
  BODY_TIMEOUT_MS: z.coerce.number().int().min(1).default(BODY_TIMEOUT_MS_DEFAULT),
  /** Fastify's trustProxy (off by default): set behind a reverse proxy so limits and logs see the client */
  TRUST_PROXY: trustProxy.default(false),
  CAPGO_BOOTSTRAP_API_KEY: z.string().min(8).max(256).optional(),
  /** PostgreSQL connections in the pool */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /** ms a PostgreSQL statement may wait for its answer before its request gets 503 (a database that went silent) */
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(DATABASE_QUERY_TIMEOUT_MS_DEFAULT),
  /** ms who-a-key-is and app owners are cached; 0 disables */
  CAPGO_ACCESS_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(2000),
  /** ms an app's /updates snapshot is cached; 0 disables */
  CAPGO_UPDATES_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(2000),
  /** how long SIGTERM waits for in-flight requests and the database before exiting 1 */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
  /** the base URL devices and uploaders reach (default http://HOST:PORT) */
  PUBLIC_URL: httpUrl.optional(),
  /** where hosted bundles are stored: a file: folder or an s3://bucket URL */
  STORAGE_URL: z
    .string()
    .default(DEFAULT_STORAGE_URL)
    .refine((u) => /^file:./.test(u) || /^s3:\/\/[^/?#]+/.test(u), 'must be a file: path or an s3://<bucket>?endpoint=… URL'),
  /** S3 store: a public base URL (CDN, public bucket) serving `<base>/<key>`, used for downloads instead of presigned URLs */
  STORAGE_PUBLIC_URL: httpUrl.optional(),
  /** S3 store credentials (else the AWS SDK's usual chain) */
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** the largest bundle accepted (bytes); the size column holds up to 2 GiB - 1 */
  BUNDLE_MAX_BYTES: z.coerce.number().int().min(1).max(2_147_483_647).default(BUNDLE_MAX_BYTES_DEFAULT),
  /** the HMAC key of upload and download URLs (else generated on first start and kept in the database) */
  SIGNING_SECRET: z.string().min(16).max(512).optional(),
})

export type Env = z.infer<typeof envSchema>

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const clean = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''))
  const r = envSchema.safeParse(clean)
  if (!r.success) {
    const i = r.error.issues[0]!
    throw new EnvError(`invalid environment: ${i.path.join('.')}: ${i.message}`)
  }
  const env = r.data
  // a relative SQLite path is relative to where the command was run, as for the tooling
  env.DATABASE_URL = absoluteFileUrl(env.DATABASE_URL, commandDir(source))
  env.STORAGE_URL = absoluteFileUrl(env.STORAGE_URL, commandDir(source))
  if (env.AWS_ACCESS_KEY_ID && !env.AWS_SECRET_ACCESS_KEY)
    throw new EnvError('invalid environment: AWS_SECRET_ACCESS_KEY: required with AWS_ACCESS_KEY_ID')
  env.PUBLIC_URL ??= `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${env.PORT}`
  return env
}

/** The operator tool (cli.ts) needs only the database: the server's other variables are not its business. */
export function parseDatabaseEnv(source: NodeJS.ProcessEnv = process.env): Pick<Env, 'DATABASE_URL'> {
  const { DATABASE_URL } = parseEnv({ DATABASE_URL: source.DATABASE_URL, INIT_CWD: source.INIT_CWD })
  return { DATABASE_URL }
}

export class EnvError extends Error {}
