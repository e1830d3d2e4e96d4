// Builds what a project outside this workspace installs (pnpm pack → publishConfig): dist/index.js
// (ESM, @trpc/* left as imports: they are this package's dependencies) and dist/index.d.ts with the
// router's types inlined (rollup-plugin-dts follows @capgo-api/api/client, whose ClientRouter is
// fully expanded), so a consumer's type-check never reads the server's source.
import fs from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'
import { rollup } from 'rollup'
import { dts } from 'rollup-plugin-dts'

const DIR = path.resolve(import.meta.dirname, '..')
const DIST = path.join(DIR, 'dist')
const external = (id) => /^@trpc\//.test(id) || id.startsWith('node:')

fs.rmSync(DIST, { recursive: true, force: true })
await build({
  entryPoints: [path.join(DIR, 'src/index.ts')],
  outfile: path.join(DIST, 'index.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['@trpc/*'],
  sourcemap: true,
  logLevel: 'warning',
})
const bundle = await rollup({
  input: path.join(DIR, 'src/index.ts'),
  external,
  plugins: [dts({ respectExternal: true, tsconfig: path.join(DIR, 'tsconfig.json') })],
  onwarn(w, warn) {
    if (w.code !== 'CIRCULAR_DEPENDENCY') warn(w)
  },
})
await bundle.write({ file: path.join(DIST, 'index.d.ts'), format: 'es' })
await bundle.close()
