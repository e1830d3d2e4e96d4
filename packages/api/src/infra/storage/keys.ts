// The object keys of an app, all under one prefix so that deleting the app removes them at once.
// Content-addressed manifest files sit beside them: one object per SHA-256, shared by the app's bundles.

/** Everything stored for an app. */
export const appPrefix = (appId: string) => `apps/${appId}/`

/** A ready bundle's zip (Bundle.r2_path). */
export const bundleKey = (appId: string, bundleId: number) => `${appPrefix(appId)}bundles/${bundleId}.zip`

/** Where an upload lands before finalize checks it and moves it to bundleKey. */
export const uploadKey = (appId: string, bundleId: number) => `${appPrefix(appId)}uploads/${bundleId}.zip`

/** A file of the app's bundles, by the lowercase hex SHA-256 of its bytes (partial updates: domains/bundle/manifest.ts). */
export const fileKey = (appId: string, sha256: string) => `${appPrefix(appId)}files/${sha256}`
