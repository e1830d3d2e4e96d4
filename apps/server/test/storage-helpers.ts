// The two stores the tests run on: the disk store in a folder of the test file, and the S3 store
// against a real S3-protocol server (s3rver) started by the file on 127.0.0.1, on a free port.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import S3rver from 's3rver'
import { afterAll } from 'vitest'

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } // s3rver's own

export interface S3Server {
  /** a STORAGE_URL for its bucket */
  url: string
  endpoint: string
  bucket: string
  /** the folder s3rver keeps objects in */
  dir: string
}

let started: Promise<S3Server> | undefined

/** An s3rver for this test file (one bucket, `bundles`), closed after the file. */
export function startS3rver(): Promise<S3Server> {
  started ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capgo-s3rver-'))
    const bucket = 'bundles'
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] })
    const { port } = await server.run()
    afterAll(async () => {
      await server.close()
      fs.rmSync(dir, { recursive: true, force: true })
    })
    const endpoint = `http://127.0.0.1:${port}`
    return { url: `s3://${bucket}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&forcePathStyle=true`, endpoint, bucket, dir }
  })()
  return started
}

/** Every file under `dir` (relative paths), for "nothing left behind" checks. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort()
}
