// Helpers of the statistics tests: events fed through the aggregate writers (what /updates, /stats
// and /bundle call), bundles arranged with Prisma, and SVG documents parsed strictly.
import { DOMParser, type Document, type Element, onErrorStopParsing } from '@xmldom/xmldom'
import { recordBandwidth, recordStorage } from '../../../packages/api/src/infra/daily-stats.ts'
import { getApp, uid } from './harness.ts'

const at = (day: string) => new Date(`${day}T12:00:00Z`)

export async function db() {
  return (await getApp()).database.db
}

/** Device check-ins of `appId` on `day` (YYYY-MM-DD), through the check-in writer as /updates records them. */
export async function seen(appId: string, day: string, ...devices: string[]) {
  const { services } = await getApp()
  await Promise.all(devices.map((dev) => services.checkins.seen(appId, dev, at(day))))
}

/** A `download_complete` of `bytes` on `day`. */
export async function served(appId: string, day: string, bytes: number) {
  await recordBandwidth(await db(), appId, bytes, at(day))
}

/** A bundle of `size` bytes created on `day`, as POST /bundle records it; returns its name. */
export async function createBundle(appId: string, day: string, size: number, name = `1.0.${Math.floor(Math.random() * 1e6)}`) {
  const d = await db()
  const app = await d.app.findUniqueOrThrow({ where: { app_id: appId } })
  await d.bundle.create({
    data: { app_id: appId, name, owner_org: app.owner_org, size, external_url: `https://cdn.test/${uid()}.zip`, created_at: at(day) },
  })
  await recordStorage(d, appId, size, at(day))
  return name
}

/** Soft-deletes a bundle on `day`, as DELETE /bundle records it. */
export async function deleteBundle(appId: string, name: string, day: string) {
  const d = await db()
  const b = await d.bundle.update({ where: { app_id_name: { app_id: appId, name } }, data: { deleted: true, deleted_at: at(day) } })
  await recordStorage(d, appId, -b.size, at(day))
}

/** [date, mau, storage, bandwidth] rows, compact to compare. */
export const rows = (stats: { date: string; mau: number; storage: number; bandwidth: number }[]) =>
  stats.map((s) => [s.date, s.mau, s.storage, s.bandwidth])

/** Parses an SVG document, failing on any XML error. */
export function parseSvg(text: string): Document {
  const doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(text, 'image/svg+xml')
  if (doc.documentElement?.tagName !== 'svg') throw new Error('not an SVG document')
  return doc
}

/** Elements of `tag` whose class list contains `cls`. */
export function byClass(doc: Document, tag: string, cls: string): Element[] {
  return Array.from(doc.getElementsByTagName(tag)).filter((e) => (e.getAttribute('class') ?? '').split(/\s+/).includes(cls))
}

export const texts = (els: Element[]) => els.map((e) => e.textContent ?? '')
