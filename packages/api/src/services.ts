// Everything a request may use beyond its input, made once per app instance and passed
// explicitly (no module state): the database, the caches and the check-in writer. Tests make
// their own, with the caches set as they need.
import type { Db, DbHandle, Provider } from '@capgo-api/db'
import { AccessCache } from './infra/access-cache.ts'
import { CheckInWriter } from './infra/checkins.ts'
import { Metrics } from './infra/metrics.ts'
import { SnapshotCache } from './infra/snapshots.ts'
import { AppWrites } from './infra/tx.ts'

export interface ServicesConfig {
  /** how long who-a-key-is and which-org-owns-an-app are cached (ms; 0 disables; default 2000) */
  accessCacheTtlMs?: number
  /** how long an app's /updates snapshot is cached (ms; 0 disables; default 2000) */
  updatesCacheTtlMs?: number
  /** count for GET /metrics (on when METRICS_TOKEN is set; default off: every hook is a no-op) */
  metrics?: boolean
}

export interface Services {
  database: DbHandle
  db: Db
  provider: Provider
  /** keys and app owners (see infra/access-cache.ts) */
  access: AccessCache
  /** what /updates reads per app (see infra/snapshots.ts) */
  snapshots: SnapshotCache
  /** the only writer of check-ins: devices, MAU (see infra/checkins.ts) */
  checkins: CheckInWriter
  /** writers of one app take turns here, then in a transaction holding the app's lock (see infra/tx.ts) */
  appWrites: AppWrites
  /** Prometheus metrics of this instance (see infra/metrics.ts): call its hooks, e.g. metrics.bundleDownload(bytes) */
  metrics: Metrics
}

export const DEFAULT_CACHE_TTL_MS = 2000

export function createServices(database: DbHandle, config: ServicesConfig = {}): Services {
  const services: Services = {
    database,
    db: database.db,
    provider: database.provider,
    access: new AccessCache(config.accessCacheTtlMs ?? DEFAULT_CACHE_TTL_MS),
    snapshots: new SnapshotCache(database.db, config.updatesCacheTtlMs ?? DEFAULT_CACHE_TTL_MS),
    checkins: new CheckInWriter(database),
    appWrites: new AppWrites(database.db),
    metrics: new Metrics(config.metrics ?? false),
  }
  services.metrics.watch(services)
  return services
}

/** After apps were deleted (one, or an organization's): no snapshot or MAU mark of them may stay. */
export function forgetDeletedApps(services: Services) {
  services.snapshots.invalidate()
  services.checkins.forgetCounted()
}
