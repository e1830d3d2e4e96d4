// The plugin's HTTP client (CU.makeJsonRequest and its plain requests) and the Retry-After block
// every device request honours (CU.isRemoteBlocked, checkAndHandleRateLimitResponse).
import { type Answer, HTTP_TIMEOUT_MS, MAX_RATE_LIMIT_WINDOW_MS, type RequestLog } from './types.ts'

export interface HttpResult {
  status: number
  text: string
  headers: Headers
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export function parseObject(text: string): Record<string, unknown> | undefined {
  const v = parseJson(text)
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

export interface TransportOptions {
  now: () => number
  /** where the rate_limit_reached event goes ("" sends none) */
  statsUrl: string
  /** the rate_limit_reached event, built when it is sent */
  rateLimitEvent: () => Record<string, unknown>
}

export class Transport {
  /** every request made (or skipped by the remote block) */
  readonly requests: RequestLog[] = []

  // rate limit (CU.rateLimitBlockedUntilMs & co; rateLimitStatisticSent is static: once per process)
  private blockedUntil = 0
  private blockedError = ''
  private blockedMessage = ''
  private rateLimitStatisticSent = false
  private rateLimitSends: Promise<unknown>[] = []

  constructor(private readonly opts: TransportOptions) {}

  get remoteBlockedUntil(): number {
    return this.blockedUntil
  }

  /** A new app process: no Retry-After block, the rate-limit statistic not yet claimed. */
  startProcess() {
    this.blockedUntil = 0
    this.rateLimitStatisticSent = false
  }

  /** Waits for the rate_limit_reached sends in flight. */
  async settleRateLimitSends() {
    await Promise.all(this.rateLimitSends.splice(0))
  }

  async http(method: string, url: string, body?: unknown): Promise<HttpResult | undefined> {
    try {
      const res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      })
      const text = await res.text()
      this.requests.push({ method, url, status: res.status })
      return { status: res.status, text, headers: res.headers }
    } catch {
      this.requests.push({ method, url, status: 0 })
      return undefined
    }
  }

  /** CU.isRemoteBlocked: a Retry-After still running; an expired one is cleared. */
  isRemoteBlocked(): boolean {
    if (this.blockedUntil <= 0) return false
    if (this.opts.now() >= this.blockedUntil) {
      this.blockedUntil = 0
      return false
    }
    return true
  }

  /** CU.rawRateLimitDeadlineMs: Retry-After (seconds), else the body's retryAfterSeconds / rateLimitResetAt. */
  private rateLimitDeadline(headers: Headers, text: string): number {
    const now = this.opts.now()
    const header = headers.get('retry-after')
    if (header !== null) {
      const seconds = Number(header.trim())
      if (header.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return now + seconds * 1000
    }
    const json = parseObject(text)
    if (json) {
      const more = json.moreInfo && typeof json.moreInfo === 'object' ? (json.moreInfo as Record<string, unknown>) : undefined
      const retry = more && 'retryAfterSeconds' in more ? more.retryAfterSeconds : json.retryAfterSeconds
      if (typeof retry === 'number' && retry >= 0) return now + retry * 1000
      const reset = more && 'rateLimitResetAt' in more ? more.rateLimitResetAt : json.rateLimitResetAt
      if (typeof reset === 'number') return reset
    }
    return 0
  }

  /** CU.checkAndHandleRateLimitResponse: a 429 blocks device requests until its deadline (capped to a day). */
  handleRateLimit(res: HttpResult): { blocked: boolean; error: string; message: string } {
    if (res.status !== 429) return { blocked: false, error: '', message: '' }
    const json = parseObject(res.text)
    const error = typeof json?.error === 'string' && json.error ? json.error : 'too_many_requests'
    const message = typeof json?.message === 'string' && json.message ? json.message : 'Too many requests'
    const now = this.opts.now()
    const raw = this.rateLimitDeadline(res.headers, res.text)
    const until = raw > now ? Math.min(raw, now + MAX_RATE_LIMIT_WINDOW_MS) : 0
    if (until > this.blockedUntil) {
      this.blockedUntil = until
      this.blockedError = error
      this.blockedMessage = message
    } else if (this.blockedUntil <= 0) {
      this.blockedError = error
      this.blockedMessage = message
    }
    // CU.claimRateLimitStatistic / sendRateLimitStatistic: one rate_limit_reached event a process,
    // sent at once (not queued); a failed send gives the claim back
    if (error === 'too_many_requests' && this.opts.statsUrl && !this.rateLimitStatisticSent) {
      this.rateLimitStatisticSent = true
      void this.sendRateLimitStatistic()
    }
    return { blocked: true, error: this.blockedError, message: this.blockedMessage }
  }

  private sendRateLimitStatistic() {
    const p = this.http('POST', this.opts.statsUrl, this.opts.rateLimitEvent()).then((res) => {
      if (!res || res.status < 200 || res.status > 299) this.rateLimitStatisticSent = false
    })
    this.rateLimitSends.push(p)
    return p
  }

  /** CU.makeJsonRequest: POST a JSON body; the callback map it builds from the answer. */
  async jsonRequest(url: string, body: unknown): Promise<Answer> {
    const res = await this.http('POST', url, body)
    if (!res) return { error: 'network_error', kind: 'failed', message: 'Request failed' }
    const json = parseObject(res.text)
    if (json && ('error' in json || 'kind' in json)) {
      if (res.status === 429) {
        const rl = this.handleRateLimit(res)
        const out: Answer = {
          error: rl.error || (typeof json.error === 'string' ? json.error : 'too_many_requests'),
          message: rl.message || (typeof json.message === 'string' ? json.message : 'Too many requests'),
          kind: json.kind ?? 'failed',
          statusCode: res.status,
        }
        if (json.version != null) out.version = json.version
        return out
      }
      const out: Answer = { statusCode: res.status }
      if (json.error != null) out.error = json.error
      if (json.kind != null) out.kind = json.kind
      out.message = json.message ?? 'server did not provide a message'
      if (json.version != null) out.version = json.version
      return out // (no `breaking`: the plugin's error map keeps only error, kind, message, version)
    }
    const rl = this.handleRateLimit(res)
    if (rl.blocked) return { error: rl.error, message: rl.message, kind: 'failed', statusCode: res.status }
    if (res.status < 200 || res.status > 299)
      return { error: 'response_error', message: `Server error: ${res.status}`, kind: 'failed', statusCode: res.status }
    if (!json) return { error: 'parse_error', message: 'JSON parse error', kind: 'failed' }
    const out: Answer = { statusCode: res.status }
    for (const [k, v] of Object.entries(json)) out[k === 'session_key' ? 'sessionKey' : k] = v
    return out
  }

  /** The answer to a request the remote block skipped (logged as status -1). */
  blockedAnswer(kind = true): Answer {
    this.requests.push({ method: 'SKIP', url: '', status: -1 })
    return { error: this.blockedError, message: this.blockedMessage, ...(kind ? { kind: 'failed' } : {}) }
  }
}
