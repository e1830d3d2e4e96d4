// Bundles as the plugin downloads them: real zips (an index.html at the root) served over HTTPS by
// a small local host the test starts (external bundle URLs must be https; the simulated devices
// trust its self-signed certificate, as a device trusts a CDN's).
import { createHash } from 'node:crypto'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { strToU8, zipSync } from 'fflate'
import { generate } from 'selfsigned'

export interface HostedZip {
  /** the bundle (version) name */
  name: string
  url: string
  bytes: Uint8Array
  /** lowercase hex SHA-256 of the zip (what POST /bundle registers and the plugin compares) */
  checksum: string
  size: number
}

/** A deterministic zip of a web bundle: same name, same bytes (fixed timestamps). */
export function buildZip(name: string): Uint8Array {
  const mtime = new Date('2026-01-01T00:00:00Z')
  return zipSync(
    {
      'index.html': [strToU8(`<!doctype html><title>${name}</title><script src="app.js"></script>`), { mtime }],
      'app.js': [strToU8(`console.log(${JSON.stringify(`bundle ${name}`)})`), { mtime }],
    },
    { level: 6 },
  )
}

export interface BundleHost {
  /** the certificate the devices trust */
  ca: string
  base: string
  /** builds and serves a zip of bundle `name` under `scope` (say, the app id: scenarios never share a URL) */
  add(scope: string, name: string): HostedZip
  /** from now on serves other bytes than were registered for `zip` (a corrupted CDN object) */
  corrupt(zip: HostedZip): void
  /** GET requests per URL */
  downloads: Map<string, number>
  close(): Promise<void>
}

export async function startBundleHost(): Promise<BundleHost> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  })
  const files = new Map<string, Uint8Array>()
  const downloads = new Map<string, number>()
  let base = ''
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const url = base + (req.url ?? '')
    const bytes = files.get(url)
    if (!bytes) {
      res.writeHead(404).end()
      return
    }
    downloads.set(url, (downloads.get(url) ?? 0) + 1)
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': bytes.length }).end(bytes)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    ca: pems.cert,
    base,
    downloads,
    add(scope, name) {
      const bytes = buildZip(name)
      const url = `${base}/bundles/${encodeURIComponent(scope)}/${encodeURIComponent(name)}.zip`
      files.set(url, bytes)
      return {
        name,
        url,
        bytes,
        checksum: createHash('sha256').update(bytes).digest('hex'),
        size: bytes.length,
      }
    },
    corrupt(zip) {
      const other = Uint8Array.from(zip.bytes)
      other[other.length - 1] = other[other.length - 1]! ^ 0xff
      files.set(zip.url, other)
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
