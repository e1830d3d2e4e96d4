// The partial-update line of `pnpm bench`: an app with `manifest: true` gets two hosted bundles of
// 200 files through the real upload flow (POST /bundle → PUT → finalize), the second differing in
// one file; a device modelled on the 8.x plugin (test/manifest-helpers.ts) that runs the first asks
// /updates, and fetches what its manifest lists and it lacks. Measured: the bytes it downloads
// against the full zip it would download without a manifest, and the plugin's own estimate
// (POST /updates/manifest_size) of those bytes.
import { randomUUID } from 'node:crypto'
import { ManifestDevice, type ManifestEntry, webBundle, zipOf } from '../test/manifest-helpers.ts'

export interface ManifestBenchResult {
  /** bytes the device downloaded (file bodies) */
  downloaded: number
  /** bytes of the new bundle's zip */
  zip: number
  /** files in the manifest, files fetched */
  files: number
  fetched: number
  /** what POST /updates/manifest_size estimated for the missing files */
  estimated: number
}

export async function manifestBench(base: string, key: string, ownerOrg: string): Promise<ManifestBenchResult> {
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several endpoints, checked where read
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: key, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = (await res.json()) as { error?: string }
    if (!res.ok || json?.error) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`)
    return json
  }
  const appId = `com.bench.manifest${process.pid}`
  await call('POST', '/app', { app_id: appId, name: 'Bench manifest', owner_org: ownerOrg })
  await call('PUT', `/app/${appId}`, { manifest: true })
  const v1 = webBundle('bench-v1', 200)
  const v2 = { ...v1, 'assets/js/1.js': Buffer.from(`console.log("v2");${'x'.repeat(6000)}`) }
  const zip2 = await zipOf(v2)
  for (const [version, zip] of [
    ['1.0.0', await zipOf(v1)],
    ['1.1.0', zip2],
  ] as const) {
    const created = await call('POST', '/bundle', { app_id: appId, version })
    const put = await fetch(created.upload.url, { method: 'PUT', body: new Uint8Array(zip) })
    if (!put.ok) throw new Error(`upload ${version}: ${put.status} ${await put.text()}`)
    await call('POST', '/bundle/finalize', { app_id: appId, version })
  }
  await call('POST', '/channel', { app_id: appId, channel: 'production', version: '1.1.0', public: true })
  const info = {
    app_id: appId,
    device_id: randomUUID(),
    platform: 'android',
    version_name: '1.0.0',
    version_build: '1.0.0',
    plugin_version: '8.51.23',
  }
  const answer = (await call('POST', '/updates', info)) as { manifest?: ManifestEntry[] }
  if (!answer.manifest) throw new Error(`/updates answered no manifest: ${JSON.stringify(answer).slice(0, 300)}`)
  // the device runs 1.0.0: its files are those of the first bundle
  const device = new ManifestDevice(v1)
  const missing = device.missing(answer.manifest)
  const size = await call('POST', '/updates/manifest_size', { ...info, version: '1.1.0', manifest: missing })
  const files = await device.download(answer.manifest)
  for (const [name, body] of files) if (!body.equals(v2[name as keyof typeof v2]!)) throw new Error(`${name}: not the new bundle's bytes`)
  await call('DELETE', `/app/${appId}`)
  return {
    downloaded: device.bytesDownloaded,
    zip: zip2.length,
    files: answer.manifest.length,
    fetched: device.fetched.length,
    estimated: size.totalSize,
  }
}
