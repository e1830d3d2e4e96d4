// Default limits, in one dependency-free place: env.ts applies them to the environment and the
// rate-limit plugin to options left out (tests, the bench), so both start from the same numbers.

export const RATE_LIMIT_DEFAULTS = {
  /** requests per window for one API key, or one IP without a key */
  max: 6000,
  /** requests per window for one device (IP + device_id) on the device endpoints */
  deviceMax: 600,
  /** devices this server has not seen yet, per IP per window, on the device endpoints */
  newDevicesPerIp: 600,
  /** window of the limits above, in ms */
  timeWindowMs: 60_000,
  /** failed authentications (401) per IP per window before keyed requests must prove their key */
  authFailMax: 300,
  /** window of the failed-authentication budget, in ms */
  authFailWindowMs: 60_000,
  /** calls in one tRPC batch */
  maxBatchCalls: 50,
  /** Redis key prefix: servers sharing limits use the same one */
  prefix: 'capgo-rl:',
} as const

/**
 * A PostgreSQL statement with no answer after this long fails (503): longer than any statement should
 * take, row-lock waits included (transactions end at 15 s).
 */
export const DATABASE_QUERY_TIMEOUT_MS_DEFAULT = 20_000

/** A request body still arriving after this long is cut (408). */
export const BODY_TIMEOUT_MS_DEFAULT = 30_000

/** The largest bundle accepted (512 MiB). */
export const BUNDLE_MAX_BYTES_DEFAULT = 512 * 1024 * 1024
