// The object keys of an app, all under one prefix so that deleting the app removes them at once.
// (Content-addressed manifest files, shared by bundles, will sit beside them.)

/** Everything stored for an app. */
export const appPrefix = (appId: string) => `apps/${appId}/`

/** A ready bundle's zip (Bundle.r2_path). */
export const bundleKey = (appId: string, bundleId: number) => `${appPrefix(appId)}bundles/${bundleId}.zip`

/** Where an upload lands before finalize checks it and moves it to bundleKey. */
export const uploadKey = (appId: string, bundleId: number) => `${appPrefix(appId)}uploads/${bundleId}.zip`
