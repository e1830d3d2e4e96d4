// Bytes this server sent to devices, added to the day's bandwidth of each app. Downloads end many
// at a time: their bytes are summed per app and written by one flush at a time (the next flush
// takes whatever arrived meanwhile), so a busy server writes a few rows a second, not one a download.
import type { Db } from '@capgo-api/db'
import { recordBandwidth } from './daily-stats.ts'

export class BandwidthMeter {
  private pending = new Map<string, number>()
  private flushing: Promise<void> | null = null

  constructor(private readonly db: Db) {}

  add(appId: string, bytes: number) {
    if (bytes <= 0) return
    this.pending.set(appId, (this.pending.get(appId) ?? 0) + bytes)
    this.kick()
  }

  /** Resolves once everything added so far is written (or dropped: see run). */
  async settled() {
    while (this.flushing) await this.flushing
  }

  private kick() {
    if (this.flushing) return
    this.flushing = this.run().finally(() => {
      this.flushing = null
      if (this.pending.size) this.kick()
    })
  }

  private async run() {
    const batch = this.pending
    this.pending = new Map()
    for (const [appId, bytes] of batch) {
      // a deleted app, or the database away: those bytes are not counted (statistics, not billing)
      await recordBandwidth(this.db, appId, bytes).catch(() => {})
    }
  }
}
