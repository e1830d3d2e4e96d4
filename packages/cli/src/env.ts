// The one place the CLI reads its environment (it ships without the server, so it cannot share
// the server's env.ts): the variables it uses, nothing else.
export interface CliEnv {
  CAPGO_API_URL?: string
  CAPGO_API_KEY?: string
  XDG_CONFIG_HOME?: string
  HOME?: string
}

export function readCliEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  const { CAPGO_API_URL, CAPGO_API_KEY, XDG_CONFIG_HOME, HOME } = source
  return { CAPGO_API_URL, CAPGO_API_KEY, XDG_CONFIG_HOME, HOME }
}
