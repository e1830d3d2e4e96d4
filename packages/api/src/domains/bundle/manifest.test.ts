import { describe, expect, it } from 'vitest'
import type yauzl from 'yauzl'
import { manifestFiles } from './manifest-store.ts'

const entries = (...names: string[]) => names.map((fileName) => ({ fileName, uncompressedSize: 10 }) as yauzl.Entry)
const names = (list: ReturnType<typeof manifestFiles>) => list?.map((f) => f.name) ?? null

describe('manifestFiles', () => {
  it('strips the single top-level folder and leaves out folders and what is beside the root', () => {
    const list = manifestFiles(entries('www/', 'www/index.html', 'www/js/app.js', '__MACOSX/www/._x', 'www/.DS_Store'), 1e9)
    expect(names(list)).toEqual(['index.html', 'js/app.js'])
  })

  it('keeps paths as they are when index.html is at the root', () => {
    expect(names(manifestFiles(entries('index.html', 'a/b/c.css'), 1e9))).toEqual(['index.html', 'a/b/c.css'])
  })

  it('no manifest for names the plugin refuses or rewrites, duplicates, other layouts, or too many unzipped bytes', () => {
    expect(manifestFiles(entries('index.html', 'a\\b.js'), 1e9)).toBeNull()
    expect(manifestFiles(entries('index.html', 'a/./b.js'), 1e9)).toBeNull()
    expect(manifestFiles(entries('index.html', 'a//b.js'), 1e9)).toBeNull()
    expect(manifestFiles(entries('index.html', 'app.js.br'), 1e9)).toBeNull() // the plugin would brotli-decode it into app.js
    expect(manifestFiles(entries('index.html', 'a.js', 'a.js'), 1e9)).toBeNull()
    expect(manifestFiles(entries('a/index.html', 'b/x.js'), 1e9)).toBeNull()
    expect(manifestFiles(entries('index.html', 'a.js', 'b.js'), 29)).toBeNull()
    expect(names(manifestFiles(entries('index.html', 'a.js', 'b.js'), 30))).toEqual(['index.html', 'a.js', 'b.js'])
  })
})
