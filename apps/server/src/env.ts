// The environment, parsed once. An invalid value stops start-up with a one-line error naming it.
import { absoluteFileUrl, commandDir, DEFAULT_DATABASE_URL } from '@capgo-api/db/paths'
import { z } from 'zod'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .default(DEFAULT_DATABASE_URL)
    .refine((u) => /^(file:|postgres(ql)?:\/\/)/.test(u), 'must be a file: (SQLite) or postgresql:// URL'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** requests a minute per API key (or per IP without one); 0 turns rate limits off */
  RATE_LIMIT_MAX: z.coerce.number().int().min(0).optional(),
  /** requests a minute per device on the device-facing endpoints */
  RATE_LIMIT_DEVICE_MAX: z.coerce.number().int().min(1).optional(),
  /** failed authentications a minute per IP */
  RATE_LIMIT_AUTH_FAIL_MAX: z.coerce.number().int().min(1).optional(),
  CAPGO_BOOTSTRAP_API_KEY: z.string().min(8).max(256).optional(),
  /** PostgreSQL connections in the pool */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /** ms who-a-key-is and app owners are cached; 0 disables */
  CAPGO_ACCESS_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(2000),
  /** ms an app's /updates snapshot is cached; 0 disables */
  CAPGO_UPDATES_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(2000),
  /** how long SIGTERM waits for in-flight requests and the database before exiting 1 */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
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
  return env
}

export class EnvError extends Error {}
