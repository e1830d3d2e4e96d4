// Everything a request may use beyond its input, made once per app instance and passed
// explicitly (no module state): the database, the caches and the check-in writer. Tests make
// their own, with the caches set as they need.
import path from 'node:path'
import type { Db, DbHandle, Provider } from '@capgo-api/db'
import { PresignCache } from './domains/bundle/hosting.ts'
import { ManifestIndex } from './domains/bundle/manifest.ts'
import { AccessCache } from './infra/access-cache.ts'
import { BandwidthMeter } from './infra/bandwidth.ts'
import { CheckInWriter } from './infra/checkins.ts'
import { Metrics } from './infra/metrics.ts'
import { UrlSigner } from './infra/signing.ts'
import { SnapshotCache } from './infra/snapshots.ts'
import { createStore, type Store, type StoreOptions } from './infra/storage/index.ts'
import { AppWrites } from './infra/tx.ts'

export interface ServicesConfig {
  /** how long who-a-key-is and which-org-owns-an-app are cached (ms; 0 disables; default 2000) */
  accessCacheTtlMs?: number
  /** how long an app's /updates snapshot is cached (ms; 0 disables; default 2000) */
  updatesCacheTtlMs?: number
  /** count for GET /metrics (on when METRICS_TOKEN is set; default off: every hook is a no-op) */
  metrics?: boolean
  /** STORAGE_URL, made absolute (env.ts): `file:/abs/dir` or `s3://bucket?…` (default: ./data/bundles of the working directory) */
  storageUrl?: string
  /** STORAGE_PUBLIC_URL and S3 credentials */
  storageOptions?: StoreOptions
  /** PUBLIC_URL: the base URL of upload and download links (default http://127.0.0.1:3000) */
  publicUrl?: string
  /** BUNDLE_MAX_BYTES (default 512 MiB) */
  bundleMaxBytes?: number
  /** SIGNING_SECRET (else a key made on first start, kept in the database) */
  signingSecret?: string
}

/** How bundles are hosted here. */
export interface Hosting {
  /** the base URL of upload and download links, without a trailing slash */
  publicUrl: string
  /** the largest bundle accepted, in bytes */
  maxBytes: number
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
  /** where hosted bundles' bytes live (see infra/storage) */
  storage: Store
  hosting: Hosting
  /** signs and checks upload and download URLs (see infra/signing.ts) */
  signer: UrlSigner
  /** bytes served to devices, written to the daily bandwidth (see infra/bandwidth.ts) */
  bandwidth: BandwidthMeter
  /** S3 presigned download URLs, reused while mostly valid */
  presigned: PresignCache
  /** the files of hosted bundles, for partial updates (see domains/bundle/manifest.ts) */
  manifests: ManifestIndex
}

export const DEFAULT_CACHE_TTL_MS = 2000
export const DEFAULT_BUNDLE_MAX_BYTES = 512 * 1024 * 1024

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
    storage: createStore(config.storageUrl ?? `file:${path.resolve('data/bundles')}`, config.storageOptions),
    hosting: {
      publicUrl: (config.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
      maxBytes: config.bundleMaxBytes ?? DEFAULT_BUNDLE_MAX_BYTES,
    },
    signer: new UrlSigner(database.db, config.signingSecret),
    bandwidth: new BandwidthMeter(database.db),
    presigned: new PresignCache(),
    manifests: new ManifestIndex(database.db),
  }
  services.metrics.watch(services)
  return services
}

/** After apps were deleted (one, or an organization's): no snapshot or MAU mark of them may stay. */
export function forgetDeletedApps(services: Services) {
  services.snapshots.invalidate()
  services.checkins.forgetCounted()
}
