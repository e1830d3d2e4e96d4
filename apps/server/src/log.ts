// What the server logs, and what it never does: key headers, and query parameters that may carry a
// key, a token or a signature, are redacted wherever a request or its URL is logged.
import type { FastifyRequest } from 'fastify'

/** Header names that may carry a key: never logged. */
export const SECRET_HEADERS = ['authorization', 'capgkey', 'x-api-key']

/** Query parameters that may carry a key, a token or a signature (case-insensitive): never logged. */
const SECRET_PARAMS =
  /^(api[-_]?key|capgkey|x-api-key|authorization|key|token|access[-_]token|secret|password|sig|signature|x-amz-(signature|credential|security-token))$/i

/** The URL as logged: the values of query parameters that may carry a secret are redacted. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  if (q < 0) return url
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const raw = eq < 0 ? pair : pair.slice(0, eq)
      let name = raw
      try {
        name = decodeURIComponent(raw.replace(/\+/g, ' '))
      } catch {} // a malformed name is matched as it came
      return SECRET_PARAMS.test(name.trim()) ? `${raw}=[redacted]` : pair
    })
  return `${url.slice(0, q + 1)}${pairs.join('&')}`
}

/**
 * The server's pino options: headers that may carry a key are redacted wherever they are logged,
 * and so are query parameters that may (`?apikey=`) in the logged URL.
 */
export function loggerOptions(level: string, stream?: { write(line: string): unknown }) {
  return {
    level,
    redact: {
      paths: SECRET_HEADERS.flatMap((h) => [`req.headers.${h}`, `req.headers["${h}"]`, `headers.${h}`, `headers["${h}"]`]),
      censor: '[redacted]',
    },
    // Fastify's own request serializer, with the URL redacted (and no accept-version)
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
    ...(stream ? { stream } : {}),
  }
}
