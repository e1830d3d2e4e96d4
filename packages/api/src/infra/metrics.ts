// Prometheus metrics of one app instance, served at GET /metrics when METRICS_TOKEN is set. Off,
// every hook is a no-op (nothing is counted, the hot path pays one branch). The registry is this
// instance's own (no prom-client global), so several apps in one process never mix their figures.
//
// Hot counters (cache hits and misses, check-ins) are plain integers kept by their owners
// (AccessCache, SnapshotCache, CheckInWriter) and read at scrape time; the rest is counted here
// through the hooks below, which other parts call: request(), statsEvent(), bundleDownload().
import fs from 'node:fs'
import { type DbHandle, sqliteFile } from '@capgo-api/db'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { AccessCache } from './access-cache.ts'
import type { CheckInWriter } from './checkins.ts'
import type { SnapshotCache } from './snapshots.ts'

/** What the scrape-time collectors read (the services' own parts). */
export interface MetricsSources {
  database: DbHandle
  access: AccessCache
  snapshots: SnapshotCache
  checkins: CheckInWriter
}

/** Distinct stats actions kept as their own label (devices send free text); past that, "other". */
const MAX_ACTIONS = 64
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

interface Instruments {
  registry: Registry
  requests: Counter<'method' | 'route' | 'status'>
  latency: Histogram<'method' | 'route' | 'status'>
  events: Counter<'action'>
  actions: Set<string>
  /** the two series of each (method, route, status) seen, bound once (label hashing is most of the cost) */
  bound: Map<string, { count: { inc(): void }; latency: { observe(v: number): void } }>
  downloads: Counter
  downloadBytes: Counter
}

export class Metrics {
  private readonly m: Instruments | null

  constructor(enabled: boolean) {
    if (!enabled) {
      this.m = null
      return
    }
    const registry = new Registry()
    const registers = [registry]
    this.m = {
      registry,
      requests: new Counter({
        name: 'capgo_http_requests_total',
        help: 'HTTP requests answered, by method, route pattern and status',
        labelNames: ['method', 'route', 'status'],
        registers,
      }),
      latency: new Histogram({
        name: 'capgo_http_request_duration_seconds',
        help: 'Time to answer an HTTP request, by method, route pattern and status',
        labelNames: ['method', 'route', 'status'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
      events: new Counter({
        name: 'capgo_stats_events_total',
        help: 'Device events received on POST /stats, by action',
        labelNames: ['action'],
        registers,
      }),
      actions: new Set(),
      bound: new Map(),
      downloads: new Counter({ name: 'capgo_bundle_downloads_total', help: 'Bundle downloads served by this server', registers }),
      downloadBytes: new Counter({ name: 'capgo_bundle_download_bytes_total', help: 'Bytes of bundles served by this server', registers }),
    }
  }

  get enabled() {
    return this.m !== null
  }

  /** One answered HTTP request (route: the route pattern, such as /app/:app_id). */
  request(method: string, route: string, status: number, seconds: number) {
    const m = this.m
    if (!m) return
    const key = `${method} ${status} ${route}`
    let series = m.bound.get(key)
    if (!series) {
      const labels = { method, route, status: String(status) }
      series = { count: m.requests.labels(labels), latency: m.latency.labels(labels) }
      m.bound.set(key, series)
    }
    series.count.inc()
    series.latency.observe(seconds)
  }

  /** One device event of POST /stats. */
  statsEvent(action: string) {
    const m = this.m
    if (!m) return
    if (!m.actions.has(action)) {
      if (m.actions.size >= MAX_ACTIONS) action = 'other'
      else m.actions.add(action)
    }
    m.events.inc({ action })
  }

  /** One bundle download served, of `bytes` bytes (call it when the body was sent). */
  bundleDownload(bytes: number) {
    const m = this.m
    if (!m) return
    m.downloads.inc()
    if (bytes > 0) m.downloadBytes.inc(bytes)
  }

  /** Registers the collectors that read the services' own counters and the database at scrape time. */
  watch(sources: MetricsSources) {
    const m = this.m
    if (!m) return
    const registers = [m.registry]
    const { access, snapshots, checkins, database } = sources
    // counters set from their owners' running totals at each scrape
    new Counter({
      name: 'capgo_cache_lookups_total',
      help: 'Cache lookups by cache (access: keys and app owners; snapshot: what /updates reads per app) and result',
      labelNames: ['cache', 'result'],
      registers,
      collect() {
        this.reset()
        this.inc({ cache: 'access', result: 'hit' }, access.hits)
        this.inc({ cache: 'access', result: 'miss' }, access.misses)
        this.inc({ cache: 'snapshot', result: 'hit' }, snapshots.hits)
        this.inc({ cache: 'snapshot', result: 'miss' }, snapshots.misses)
      },
    })
    new Counter({
      name: 'capgo_checkins_total',
      help: 'Device check-ins written (group commit; every device-facing endpoint records one), by result',
      labelNames: ['result'],
      registers,
      collect() {
        this.reset()
        this.inc({ result: 'written' }, checkins.written)
        this.inc({ result: 'failed' }, checkins.failed)
      },
    })
    new Gauge({
      name: 'capgo_checkins_pending',
      help: 'Check-ins waiting for the next batch of the check-in writer',
      registers,
      collect() {
        this.set(checkins.pending)
      },
    })
    if (database.provider === 'postgres') {
      new Gauge({
        name: 'capgo_db_pool_connections',
        help: 'PostgreSQL pool: connections open (total), idle, and requests waiting for one (waiting)',
        labelNames: ['state'],
        registers,
        collect() {
          const pool = database.pgPool()
          this.set({ state: 'total' }, pool?.totalCount ?? 0)
          this.set({ state: 'idle' }, pool?.idleCount ?? 0)
          this.set({ state: 'waiting' }, pool?.waitingCount ?? 0)
        },
      })
      new Gauge({
        name: 'capgo_db_pool_max',
        help: 'PostgreSQL pool size (DATABASE_POOL_SIZE)',
        registers,
        collect() {
          this.set(database.pgPool()?.options?.max ?? 0)
        },
      })
    } else {
      // SQLite has one connection and no pool: its file and write-ahead log sizes are what grows
      const file = sqliteFile(database.url)
      const size = (f: string) => fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0
      new Gauge({
        name: 'capgo_db_sqlite_bytes',
        help: 'SQLite database file and write-ahead log (wal) sizes',
        labelNames: ['file'],
        registers,
        collect() {
          if (file === ':memory:') return
          this.set({ file: 'database' }, size(file))
          this.set({ file: 'wal' }, size(`${file}-wal`))
        },
      })
    }
    collectDefaultMetrics({ register: m.registry })
  }

  /** The Prometheus text exposition, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const m = this.m
    if (!m) throw new Error('metrics are off')
    return { contentType: m.registry.contentType, body: await m.registry.metrics() }
  }
}
