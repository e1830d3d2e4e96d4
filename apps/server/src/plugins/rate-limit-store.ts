// The rate limiter's counters (fixed windows): in Redis while it is connected and answers in time,
// so several servers share them, else in the process. Used by plugins/rate-limit.ts.
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyBaseLogger } from 'fastify'
import { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'

/** Counters kept in the process (without Redis, or while it is down). */
const LOCAL_COUNTERS = 50_000
/** Redis commands in a row that failed or stalled before Redis counts as down. */
const FAILURES_TO_DOWN = 3
/** A command unanswered this long is a failure (a late one under STALL_MS is only a busy machine). */
const STALL_MS = 1000

interface Count {
  current: number
  ttl: number
}

// INCRBY with the window set on the first count (and repaired on a key left without one)
const INCR_LUA = `
local current = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}`
const READ_LUA = `
local current = redis.call('GET', KEYS[1])
if not current then return {0, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {tonumber(current), ttl}`

type LimitRedis = Redis & {
  capgoLimitIncr(key: string, windowMs: number, amount: number): Promise<[number, number]>
  capgoLimitRead(key: string): Promise<[number, number]>
}

/** Fixed-window counters in the process, bounded (the least recently used go first). */
class LocalCounters {
  private windows = new LRUCache<string, { current: number; resetAt: number }>({ max: LOCAL_COUNTERS })
  incr(key: string, windowMs: number, amount: number): Count {
    const now = Date.now()
    let w = this.windows.get(key)
    if (!w || w.resetAt <= now) {
      w = { current: 0, resetAt: now + windowMs }
      this.windows.set(key, w)
    }
    w.current += amount
    return { current: w.current, ttl: w.resetAt - now }
  }
  read(key: string): Count {
    const now = Date.now()
    const w = this.windows.get(key)
    return !w || w.resetAt <= now ? { current: 0, ttl: 0 } : { current: w.current, ttl: w.resetAt - now }
  }
}

/**
 * The counters of one server: in Redis while it is connected and answers within the timeout,
 * else in the process. The switch is logged once each way, never once a request.
 */
export class LimitCounters {
  private local = new LocalCounters()
  private redis?: LimitRedis
  private up = false
  private down = false
  private closing = false
  /** commands in a row that failed or ran late: a few (not one slow answer) make Redis count as down */
  private failures = 0

  constructor(
    private log: FastifyBaseLogger,
    private prefix: string,
    redisUrl: string | undefined,
    private timeoutMs: number,
  ) {
    if (!redisUrl) return
    // No offline queue: a command is sent only while connected (`up`), so none waits for a
    // reconnection. Connecting happens aside from requests, so its timeout may be generous.
    const redis = new Redis(redisUrl, { connectTimeout: 5000, maxRetriesPerRequest: 0, enableOfflineQueue: false })
    redis.defineCommand('capgoLimitIncr', { numberOfKeys: 1, lua: INCR_LUA })
    redis.defineCommand('capgoLimitRead', { numberOfKeys: 1, lua: READ_LUA })
    redis.on('ready', () => this.markUp())
    redis.on('close', () => this.markDown('connection closed'))
    // errors come with a close or a failed (re)connection: the state says it once
    redis.on('error', (err: Error) => this.markDown(err.message))
    this.redis = redis as LimitRedis
  }

  private markUp() {
    this.up = true
    this.failures = 0
    if (this.down) this.log.info('rate-limit store (Redis) is back: limits are shared again')
    this.down = false
  }

  private markDown(reason: string) {
    this.up = false
    if (this.closing) return
    if (!this.down) this.log.warn({ reason }, 'rate-limit store (Redis) unavailable: limits are counted in this process until it is back')
    this.down = true
  }

  private failed(err: unknown) {
    if (++this.failures < FAILURES_TO_DOWN) return
    // a Redis that stalls is as good as none: drop the connection (ioredis reconnects, `ready` brings it back)
    this.markDown((err as Error).message)
    this.redis?.disconnect(true)
  }

  /**
   * The command's answer, or undefined when it fails or is late (over timeoutMs): the request
   * then counts in the process and never waits longer. Health is judged apart, from the command
   * itself: an error, or no answer within STALL_MS, is a failure; a late answer is not (a busy
   * machine). The deadline is checked after the event loop's next I/O poll (setImmediate), so an
   * answer already received but not yet read is not taken for a late one.
   */
  private timed<T>(command: Promise<T>): Promise<T | undefined> {
    return new Promise((resolve) => {
      let answered = false
      let late = false
      let stall: NodeJS.Timeout | undefined
      const deadline = setTimeout(
        () =>
          setImmediate(() => {
            if (answered) return
            late = true
            resolve(undefined)
            stall = setTimeout(
              () => {
                if (!answered) this.failed(new Error(`no answer within ${STALL_MS} ms`))
              },
              Math.max(0, STALL_MS - this.timeoutMs),
            )
          }),
        this.timeoutMs,
      )
      const settle = (value: T | undefined, err?: unknown) => {
        answered = true
        clearTimeout(deadline)
        clearTimeout(stall)
        if (err === undefined) this.failures = 0
        else this.failed(err)
        if (!late) resolve(value)
      }
      command.then(
        (v) => settle(v),
        (e: unknown) => settle(undefined, e ?? new Error('Redis command failed')),
      )
    })
  }

  async incr(key: string, windowMs: number, amount = 1): Promise<Count> {
    const answer = this.redis && this.up ? await this.timed(this.redis.capgoLimitIncr(this.prefix + key, windowMs, amount)) : undefined
    return answer ? { current: answer[0], ttl: answer[1] } : this.local.incr(key, windowMs, amount)
  }

  async read(key: string): Promise<Count> {
    const answer = this.redis && this.up ? await this.timed(this.redis.capgoLimitRead(this.prefix + key)) : undefined
    return answer ? { current: answer[0], ttl: answer[1] } : this.local.read(key)
  }

  /** At start: wait (a bounded time) for Redis, so the first requests are shared too. */
  async connected(maxWaitMs: number) {
    const redis = this.redis
    if (!redis || this.up || this.down) return
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        redis.off('ready', done).off('error', done)
        resolve()
      }
      const timer = setTimeout(done, maxWaitMs)
      redis.once('ready', done).once('error', done)
    })
  }

  async close() {
    this.closing = true
    await this.redis?.quit().catch(() => this.redis?.disconnect())
  }

  /** The counters as @fastify/rate-limit's store (its keys are ours: one namespace for every limiter). */
  storeClass(): FastifyRateLimitStoreCtor {
    const counters = this
    type Callback = Parameters<FastifyRateLimitStore['incr']>[1]
    return class implements FastifyRateLimitStore {
      incr(key: string, cb: Callback, windowMs: number) {
        void counters.incr(key, windowMs).then(
          (c) => cb(null, c),
          (e: Error) => cb(e),
        )
      }
      read(key: string, cb: Callback) {
        void counters.read(key).then(
          (c) => cb(null, c),
          (e: Error) => cb(e),
        )
      }
      child() {
        return this
      }
    }
  }
}
