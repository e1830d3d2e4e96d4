// Reading a stored zip without loading it: yauzl reads the central directory through ranged reads
// of the store (a few small GETs on S3). Finalize uses it to check a bundle's layout; the manifest
// (per-file storage) can walk the same entries and open each one.
import { PassThrough, type Readable } from 'node:stream'
import yauzl from 'yauzl'
import type { Store } from '../../infra/storage/index.ts'

/** yauzl's random-access reader over one stored object. */
class StoreReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly store: Store,
    private readonly key: string,
  ) {
    super()
  }

  // end is exclusive here, inclusive in the store's ranges
  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough()
    if (end <= start) {
      out.end()
      return out
    }
    this.store.get(this.key, { start, end: end - 1 }).then(
      (s) => (s as Readable).on('error', (e) => out.destroy(e)).pipe(out),
      (e: Error) => out.destroy(e),
    )
    return out
  }
}

/**
 * The stored zip at `key` (of `size` bytes), opened; rejects when it is not a readable zip. With
 * `autoClose: false` it stays open after its last entry (to open entries afterwards; close it then).
 */
export function openStoredZip(store: Store, key: string, size: number, { autoClose = true } = {}): Promise<yauzl.ZipFile> {
  return yauzl.fromRandomAccessReaderPromise(new StoreReader(store, key), size, { lazyEntries: true, autoClose })
}

/** Every entry of the zip, in order (yauzl checks names: no absolute paths, no `..`). */
export async function* zipEntries(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  const next = () =>
    new Promise<yauzl.Entry | null>((resolve, reject) => {
      const cleanup = () => zip.off('entry', onEntry).off('end', onEnd).off('error', onError)
      const onEntry = (e: yauzl.Entry) => {
        cleanup()
        resolve(e)
      }
      const onEnd = () => {
        cleanup()
        resolve(null)
      }
      const onError = (e: Error) => {
        cleanup()
        reject(e)
      }
      zip.on('entry', onEntry).on('end', onEnd).on('error', onError)
      zip.readEntry()
    })
  try {
    for (let e = await next(); e; e = await next()) yield e
  } finally {
    zip.close()
  }
}

/** Folders and files that zip tools add and a bundle never needs (macOS metadata). */
export const isJunk = (name: string) => name.startsWith('__MACOSX/') || name === '.DS_Store' || name.endsWith('/.DS_Store')

/**
 * The folder a bundle's files live in: '' when `index.html` is at the zip's root, `<folder>/` when
 * every file sits inside one top-level folder holding `index.html`; null for any other layout.
 * Manifest file names are the paths with this prefix stripped (SPEC /bundle).
 */
export function bundleRoot(fileNames: string[]): string | null {
  const files = fileNames.filter((n) => !n.endsWith('/') && !isJunk(n))
  if (files.includes('index.html')) return ''
  const tops = new Set(files.map((n) => (n.includes('/') ? `${n.slice(0, n.indexOf('/'))}/` : n)))
  if (tops.size !== 1) return null
  const [top] = [...tops]
  return top!.endsWith('/') && files.includes(`${top}index.html`) ? top! : null
}
