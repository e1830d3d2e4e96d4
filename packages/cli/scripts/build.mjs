// Bundles the CLI into one file, dist/capgo-api.mjs, with its libraries (commander, yazl, yauzl,
// cli-progress, @trpc/client) inside: installed on its own (npm i -g ./packages/cli, or the packed
// tarball) it needs no dependency, no server code and no database driver.
//
// `node scripts/build.mjs --if-stale` (what the root `pnpm capgo-api` runs) builds only when an
// input is newer than the bundle.
import fs from 'node:fs'
import path from 'node:path'

const DIR = path.resolve(import.meta.dirname, '..')
const OUT = path.join(DIR, 'dist/capgo-api.mjs')
const INPUTS = path.join(DIR, 'dist/build-inputs.json')

function stale() {
  if (!fs.existsSync(INPUTS) || !fs.existsSync(OUT)) return 'no bundle yet'
  const builtAt = fs.statSync(INPUTS).mtimeMs
  const { inputs } = JSON.parse(fs.readFileSync(INPUTS, 'utf8'))
  for (const f of [...inputs, 'scripts/build.mjs', 'package.json']) {
    const st = fs.statSync(path.resolve(DIR, f), { throwIfNoEntry: false })
    if (!st) return `${f} is gone`
    if (st.mtimeMs > builtAt) return `${f} changed`
  }
  return null
}

async function build() {
  const { build: esbuild } = await import('esbuild')
  const { version } = JSON.parse(fs.readFileSync(path.join(DIR, 'package.json'), 'utf8'))
  const result = await esbuild({
    entryPoints: [path.join(DIR, 'src/main.ts')],
    outfile: OUT,
    absWorkingDir: DIR,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // commander and friends are CommonJS: give the ESM bundle a require for node's built-ins
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    define: { CLI_VERSION: JSON.stringify(version) },
    metafile: true,
    logLevel: 'warning',
  })
  const bad = Object.keys(result.metafile.inputs).filter((f) => /(^|\/)(apps\/server|packages\/db|@prisma|better-sqlite3|pg)\//.test(f))
  if (bad.length) throw new Error(`the CLI bundle must not hold server or database code: ${bad.slice(0, 5).join(', ')}`)
  fs.chmodSync(OUT, 0o755)
  const inputs = Object.keys(result.metafile.inputs).map((f) => path.relative(DIR, path.resolve(DIR, f)))
  fs.writeFileSync(INPUTS, `${JSON.stringify({ inputs }, null, 1)}\n`)
}

if (process.argv.includes('--if-stale')) {
  const reason = stale()
  if (reason) {
    console.error(`building packages/cli/dist (${reason})`)
    await build()
  }
} else {
  await build()
}
