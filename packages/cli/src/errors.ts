// Every failure the CLI reports is a code and a message: the server's (the envelope's `error` and
// `message`, which CapgoError carries) or one of the CLI's own, for what is refused before any call.
import { CapgoError } from '@capgo-api/client'

export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'CliError'
  }
}

export interface Failure {
  code: string
  message: string
}

/** The one-line form of any failure (`error: <code>: <message>`), and its envelope for --json. */
export function toFailure(e: unknown, server?: string): Failure {
  if (e instanceof CliError) return { code: e.code, message: e.message }
  if (e instanceof CapgoError) {
    if (e.code) return { code: e.code, message: e.message }
    // no answer from the server, or one that is not the API's (wrong URL, a proxy's HTML page)
    const cause = e.cause instanceof Error ? (e.cause.cause instanceof Error ? e.cause.cause.message : e.cause.message) : e.message
    return { code: 'network_error', message: `no API answer from ${server ?? 'the server'}: ${cause}` }
  }
  return { code: 'unknown_error', message: e instanceof Error ? e.message : String(e) }
}

/** The string fields of the API's error envelope, from an answer's text that may not be one. */
export function readEnvelope(text: string): { error?: string; message?: string } {
  let env: { error?: unknown; message?: unknown } = {}
  try {
    env = JSON.parse(text)
  } catch {}
  return {
    ...(typeof env.error === 'string' ? { error: env.error } : {}),
    ...(typeof env.message === 'string' ? { message: env.message } : {}),
  }
}
