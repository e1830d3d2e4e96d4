import type { Principal } from './access.ts'
import type { Services } from './services.ts'

/** What every procedure gets, free of request objects so tests can build it directly. */
export interface Context {
  services: Services
  /** the raw API key sent by the caller, if any */
  apiKey?: string
  /** the caller's IP, for logs and rate limits */
  ip?: string
}

/** The context of a procedure that needs a key, once the key is known. */
export interface AuthedContext extends Context {
  principal: Principal
}

export function createContextInner(opts: Context): Context {
  return { ...opts }
}
