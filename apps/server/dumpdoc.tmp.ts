import fs from 'node:fs'
import { buildOpenApiDocument } from './src/openapi.ts'
const doc = buildOpenApiDocument('/', { rateLimited: true }) as any
fs.writeFileSync('/tmp/doc2.json', JSON.stringify(doc, null, 2))
