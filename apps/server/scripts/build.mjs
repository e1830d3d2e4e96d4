// Bundles the server's own TypeScript (and the workspace packages) into dist/ so production runs
// on plain node: no TypeScript loader in memory. npm dependencies stay external.
import { build } from 'esbuild'

const workspace = /^(\.|\/|@capgo-api\/)/
await build({
  entryPoints: { main: 'src/main.ts', 'bench-server': 'bench/server.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [
    {
      name: 'external-dependencies',
      setup(b) {
        // keep each dependency external, but by the absolute path esbuild resolves from its importer:
        // pnpm gives every workspace package its own node_modules, which dist/ could not see
        b.onResolve({ filter: /.*/ }, async (args) => {
          if (args.kind === 'entry-point' || workspace.test(args.path) || args.pluginData?.inner) return undefined
          if (args.path.startsWith('node:')) return { path: args.path, external: true }
          const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { inner: true } })
          if (r.errors.length) return { errors: r.errors }
          return { path: r.path, external: true }
        })
      },
    },
  ],
})
