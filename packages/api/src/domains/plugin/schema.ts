// What the Capacitor updater plugin sends and receives (no key; see SPEC section 3), one module of
// schema/ per endpoint family.

export * from './schema/channel-self.ts'
export * from './schema/device-info.ts'
export * from './schema/manifest-size.ts'
export * from './schema/stats.ts'
export * from './schema/updates.ts'
