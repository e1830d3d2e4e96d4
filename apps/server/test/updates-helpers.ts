// The check-in suites' usual start: a bundle, served by the app's public channel "production".
import { registerBundle, setChannel } from './device-helpers.ts'
import type { Tenant } from './harness.ts'

/** A public "production" channel serving `version`, with channel options. */
export const production = async (
  t: Tenant,
  version: string,
  opts: Record<string, unknown> = {},
  bundleExtra: Record<string, unknown> = {},
) => {
  await registerBundle(t, version, bundleExtra)
  await setChannel(t, 'production', { version, public: true, ...opts })
}
