// The bundle's zip: the folder's files in sorted order with fixed timestamps and modes, so the same
// folder always gives the same bytes (and the same checksum). yazl writes it, yauzl reads a given zip.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'
import yazl from 'yazl'
import { CliError } from './errors.ts'

/** 1980-01-01 00:00 local time: the first DOS date, so every machine writes the same DOS fields. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0)
const FILE_MODE = 0o100644

export interface FileEntry {
  /** path inside the zip, with `/` */
  name: string
  realPath: string
  size: number
}

/** Every regular file under `dir` (symlinks followed), sorted by zip path. */
export function listFiles(dir: string): FileEntry[] {
  const out: FileEntry[] = []
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${e.name}` : e.name
      const real = path.join(dir, relPath)
      const st = fs.statSync(real)
      if (st.isDirectory()) walk(relPath)
      else if (st.isFile()) out.push({ name: relPath, realPath: real, size: st.size })
    }
  }
  walk('')
  // byte order of the UTF-8 names, not the locale's
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
}

/**
 * The server's rule (SPEC /bundle finalize): an index.html at the zip's root or inside its one
 * top-level folder. Checked here too, so nothing is uploaded that the server would refuse.
 */
export function hasIndexHtml(names: string[]): boolean {
  if (names.includes('index.html')) return true
  const tops = new Set(names.map((n) => n.split('/')[0]))
  if (tops.size !== 1) return false
  const [top] = [...tops]
  return names.includes(`${top}/index.html`)
}

export type Progress = (done: number, total: number) => void

/** Zips `dir` into `outFile`; reports progress in bytes of input read. */
export async function zipFolder(dir: string, outFile: string, onProgress?: Progress): Promise<{ files: number }> {
  const files = listFiles(dir)
  if (!hasIndexHtml(files.map((f) => f.name)))
    throw new CliError(
      'no_index_html',
      `${dir} has no index.html at its root: give the folder of your web build (the one holding index.html).`,
    )
  const total = files.reduce((n, f) => n + f.size, 0)
  let done = 0
  const zip = new yazl.ZipFile()
  for (const f of files) {
    zip.addReadStreamLazy(f.name, { mtime: FIXED_MTIME, mode: FILE_MODE, forceDosTimestamp: true, size: f.size }, (cb) => {
      const counter = new Transform({
        transform(chunk: Buffer, _enc, next) {
          done += chunk.length
          onProgress?.(done, total)
          next(null, chunk)
        },
      })
      cb(null, fs.createReadStream(f.realPath).pipe(counter))
    })
  }
  zip.end()
  await pipeline(zip.outputStream, fs.createWriteStream(outFile))
  onProgress?.(total, total)
  return { files: files.length }
}

/** The entry names of a zip file (refuses a file that is not a zip). */
export function zipEntryNames(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(new CliError('invalid_bundle', `${file} is not a zip file (${err?.message ?? 'unreadable'}).`))
      const names: string[] = []
      zip.on('entry', (e: yauzl.Entry) => {
        if (!e.fileName.endsWith('/')) names.push(e.fileName)
        zip.readEntry()
      })
      zip.on('end', () => resolve(names))
      zip.on('error', (e: Error) => reject(new CliError('invalid_bundle', `${file} is not a valid zip file (${e.message}).`)))
      zip.readEntry()
    })
  })
}

/** Checks a given .zip as a folder is checked. */
export async function checkZip(file: string): Promise<void> {
  const names = await zipEntryNames(file)
  if (!hasIndexHtml(names))
    throw new CliError('no_index_html', `${file} has no index.html at its root (or inside its one top-level folder).`)
}

/** SHA-256 (raw bytes) and size of a file, streamed. */
export async function sha256File(file: string): Promise<{ digest: Buffer; size: number }> {
  const h = crypto.createHash('sha256')
  let size = 0
  for await (const c of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    h.update(c)
    size += c.length
  }
  return { digest: h.digest(), size }
}
