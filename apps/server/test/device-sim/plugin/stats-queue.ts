// The stats queue (CU.statsQueue / statsInFlight): events wait here until a flush sends them as one batch.
import { parseJson, type Transport } from './transport.ts'
import { MAX_PENDING_STATS, type StatsEvent } from './types.ts'

export type FlushResult = 'empty' | 'deferred' | 'sent' | 'requeued' | 'dropped'

export class StatsQueue {
  private queue: StatsEvent[] = []
  /** events of batches the server answered 2xx (what it acknowledged) */
  readonly acknowledged: StatsEvent[] = []
  /** events of batches dropped on a permanent (4xx) answer */
  readonly dropped: StatsEvent[] = []
  /** the parsed bodies of the 2xx /stats answers */
  readonly answers: unknown[] = []

  constructor(
    private readonly transport: Transport,
    private readonly statsUrl: string,
  ) {}

  get pending(): readonly StatsEvent[] {
    return this.queue
  }

  /** CU.sendStats, its end: queued (≤ 200, oldest dropped). */
  push(event: StatsEvent) {
    while (this.queue.length >= MAX_PENDING_STATS) this.queue.shift()
    this.queue.push(event)
  }

  /**
   * CU.flushStatsQueue (the plugin runs it every second): the whole queue in one POST. 2xx → sent;
   * 429 → requeued and blocked until Retry-After; 408/5xx/network error → requeued (retried on the next
   * flush); any other status → the batch is dropped (CU.isTransientStatsFailure).
   */
  async flush(): Promise<FlushResult> {
    await this.transport.settleRateLimitSends()
    if (!this.queue.length) return 'empty'
    if (this.transport.isRemoteBlocked()) return 'deferred'
    if (!this.statsUrl) {
      this.queue = []
      return 'empty'
    }
    const batch = this.queue
    this.queue = []
    const res = await this.transport.http('POST', this.statsUrl, batch)
    const requeue = () => {
      this.queue = [...batch, ...this.queue]
      while (this.queue.length > MAX_PENDING_STATS) this.queue.shift()
      return 'requeued' as const
    }
    if (!res) return requeue()
    if (this.transport.handleRateLimit(res).blocked) return requeue()
    if (res.status >= 200 && res.status <= 299) {
      this.acknowledged.push(...batch)
      this.answers.push(parseJson(res.text))
      return 'sent'
    }
    if (res.status === 429 || res.status === 408 || res.status >= 500) return requeue()
    this.dropped.push(...batch)
    return 'dropped'
  }
}
