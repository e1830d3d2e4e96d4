// /docs: the API reference (Scalar), rendered in the browser from /openapi.json. Everything the page
// loads comes from this server (the plugin serves Scalar's bundle at /docs/js/scalar.js): no web
// fonts, no telemetry, no request proxy, so it works offline and behind a firewall.
import scalar, { type FastifyApiReferenceOptions } from '@scalar/fastify-api-reference'
import type { FastifyInstance } from 'fastify'
import { SECURITY_SCHEME } from './openapi.ts'

/** Code samples offered: curl, and fetch in the browser and in Node. Every other target is hidden. */
const HIDDEN_CLIENTS = {
  c: true,
  clojure: true,
  csharp: true,
  dart: true,
  fsharp: true,
  go: true,
  http: true,
  java: true,
  julia: true,
  kotlin: true,
  objc: true,
  ocaml: true,
  php: true,
  powershell: true,
  python: true,
  r: true,
  ruby: true,
  rust: true,
  swift: true,
  shell: ['httpie', 'wget'],
  js: ['axios', 'jquery', 'ofetch', 'xhr'],
  node: ['axios', 'ofetch', 'undici'],
}

/** Tighter than Scalar's defaults: the error tables of the operations stay one line a row. */
const CSS = `
.scalar-app .markdown table { font-size: var(--scalar-small); }
.scalar-app .markdown table td, .scalar-app .markdown table th { padding: 2px 8px; }
.scalar-app .markdown table td:first-child, .scalar-app .markdown table th:first-child, .scalar-app .markdown table code { white-space: nowrap; }
.scalar-app .markdown img { max-width: 100%; border: var(--scalar-border-width) solid var(--scalar-border-color); border-radius: var(--scalar-radius); }
`

/** An inline icon: the browser asks no /favicon.ico. */
const FAVICON = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2563eb"/><path d="M4 11V5h2.5a2 2 0 0 1 0 4H4" stroke="#fff" stroke-width="1.6" fill="none"/></svg>',
)}`

export type DocsConfiguration = NonNullable<FastifyApiReferenceOptions['configuration']>

export function docsConfiguration(document: object): DocsConfiguration {
  return {
    content: document,
    // not in the configuration's type, read by the page (api-reference's `agent.disabled`)
    ...({ agent: { disabled: true } } as object),
    pageTitle: 'capgo-api: API reference',
    title: 'capgo-api',
    // offline: Scalar's default fonts come from its CDN, telemetry and the request proxy from its servers
    withDefaultFonts: false,
    telemetry: false,
    mcp: { disabled: true },
    // "Ask AI" (above) sends the document to Scalar's servers; "Open API Client" opens Scalar's hosted client
    hideClientButton: true,
    favicon: FAVICON,
    showDeveloperTools: 'never',
    // the key is entered once (the security scheme of the document) and kept in the browser
    authentication: { preferredSecurityScheme: SECURITY_SCHEME },
    persistAuth: true,
    hiddenClients: HIDDEN_CLIENTS as DocsConfiguration['hiddenClients'],
    defaultHttpClient: { targetKey: 'shell', clientKey: 'curl' },
    featuredClients: ['shell/curl', 'js/fetch', 'node/fetch'],
    documentDownloadType: 'json',
    operationTitleSource: 'summary',
    orderSchemaPropertiesBy: 'preserve',
    customCss: CSS,
  }
}

export async function registerDocs(app: FastifyInstance, document: object) {
  await app.register(scalar, { routePrefix: '/docs', logLevel: 'warn', configuration: docsConfiguration(document) })
}
