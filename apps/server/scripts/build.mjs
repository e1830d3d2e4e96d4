// Bundles the server's own TypeScript and the workspace packages into dist/ so production runs on
// plain node, with no TypeScript loader or build tool. npm dependencies stay external as bare
// names, resolved at run time from the node_modules next to dist/ (this package's dependencies),
// so the bundle holds no path of the checkout and runs from a copy of dist/ plus node_modules.
// The migrate worker and the migrations go into dist/ too (packages/db/src/migrate.ts looks there).
//
// `node scripts/build.mjs --if-stale` (what `pnpm start` runs) builds only when an input is newer
// than the bundle, and loads esbuild (a devDependency) only then.
import fs from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'

const SERVER_DIR = path.resolve(import.meta.dirname, '..')
const REPO_DIR = path.resolve(SERVER_DIR, '../..')
const DIST = path.join(SERVER_DIR, 'dist')
/** Inputs of the last build (repository-relative), written by the build, read by --if-stale. */
const INPUTS_FILE = path.join(DIST, 'build-inputs.json')
const PROVIDERS = ['sqlite', 'postgres']
/** Imported only on a path the server never takes (the prisma CLI shim's libsql driver). */
const OPTIONAL_EXTERNALS = new Set(['@prisma/adapter-libsql'])

const packageName = (spec) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/')

function migrationFiles() {
  const files = []
  for (const p of PROVIDERS) {
    const dir = path.join(REPO_DIR, 'prisma', p, 'migrations')
    for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (e.isFile()) files.push(path.relative(REPO_DIR, path.join(e.parentPath, e.name)))
    }
  }
  return files.sort()
}

/** Why the bundle must be rebuilt, or null when it is up to date. */
function staleReason() {
  if (!fs.existsSync(INPUTS_FILE)) return 'no bundle yet'
  const builtAt = fs.statSync(INPUTS_FILE).mtimeMs
  const { inputs } = JSON.parse(fs.readFileSync(INPUTS_FILE, 'utf8'))
  // a migration added or removed changes the list; any input edited is newer than the build
  if (JSON.stringify(migrationFiles()) !== JSON.stringify(inputs.filter((f) => f.startsWith('prisma/')))) return 'migrations changed'
  for (const f of [...inputs, 'apps/server/scripts/build.mjs', 'apps/server/package.json']) {
    const st = fs.statSync(path.join(REPO_DIR, f), { throwIfNoEntry: false })
    if (!st) return `${f} is gone`
    if (st.mtimeMs > builtAt) return `${f} changed`
  }
  return null
}

async function build() {
  const { build: esbuild } = await import('esbuild')
  const { dependencies = {} } = JSON.parse(fs.readFileSync(path.join(SERVER_DIR, 'package.json'), 'utf8'))
  const builtins = new Set(builtinModules)
  const missing = new Set()
  const result = await esbuild({
    entryPoints: {
      main: 'src/main.ts',
      'bench-server': 'bench/server.ts',
      'migrate-worker': '../../packages/db/scripts/migrate-worker.mjs',
    },
    absWorkingDir: SERVER_DIR,
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    // source map paths relative to dist/, not absolute
    sourceRoot: '',
    metafile: true,
    logLevel: 'warning',
    plugins: [
      {
        name: 'bare-externals',
        setup(b) {
          // every npm import stays a bare name; it must be a dependency of this package, or it
          // would not be in the node_modules next to dist/
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.kind === 'entry-point' || args.path.startsWith('@capgo-api/')) return undefined
            const name = packageName(args.path.replace(/^node:/, ''))
            if (args.path.startsWith('node:') || builtins.has(name)) return { path: args.path, external: true }
            if (!dependencies[name] && !OPTIONAL_EXTERNALS.has(name)) missing.add(name)
            return { path: args.path, external: true }
          })
        },
      },
    ],
  })
  if (missing.size) {
    throw new Error(
      `the bundle imports packages that are not dependencies of @capgo-api/server: ${[...missing].join(', ')} (add them to apps/server/package.json)`,
    )
  }
  // the workers and migrations are found next to the bundle (packages/db/src/migrate.ts)
  for (const p of PROVIDERS) {
    const to = path.join(DIST, 'prisma', p, 'migrations')
    fs.rmSync(to, { recursive: true, force: true })
    fs.cpSync(path.join(REPO_DIR, 'prisma', p, 'migrations'), to, { recursive: true })
  }
  const inputs = Object.keys(result.metafile.inputs)
    .map((f) => path.relative(REPO_DIR, path.resolve(SERVER_DIR, f)))
    .filter((f) => !f.startsWith('..'))
  fs.writeFileSync(INPUTS_FILE, `${JSON.stringify({ inputs: [...inputs, ...migrationFiles()] }, null, 1)}\n`)
}

if (process.argv.includes('--if-stale')) {
  const reason = staleReason()
  if (reason) {
    console.error(`building dist/ (${reason})`)
    await build()
  }
} else {
  await build()
}
