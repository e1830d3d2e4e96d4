// The device's channel (CU.defaultChannel): the persisted setChannel choice, else the config's, and
// the three channel requests of CU (setChannel, getChannel, listChannels) plus unsetChannel.
import { parseObject, type Transport } from './transport.ts'
import { type Answer, BUILTIN, type Notify, type ResolvedConfig } from './types.ts'

export interface ChannelsOptions {
  config: ResolvedConfig
  transport: Transport
  infoObject: () => Record<string, unknown>
  notify: Notify
}

export class Channels {
  /** CU.defaultChannel: the persisted setChannel choice, else the config's */
  current: string
  private persisted: string | undefined // SharedPreferences "CapacitorUpdater.defaultChannel"

  constructor(private readonly opts: ChannelsOptions) {
    this.current = opts.config.defaultChannel
  }

  /** CUP.load: the persisted choice, else the config's. */
  startProcess() {
    this.current = this.persisted ?? this.opts.config.defaultChannel
  }

  /**
   * CU.setChannel: refused by allowSetDefaultChannel=false, skipped while blocked; POST channelUrl
   * {info, channel}. ok → the channel is kept locally (the next info objects send it as
   * defaultChannel); `unset: true` → the local choice is cleared (back to the config's).
   */
  async set(channel: string): Promise<Answer> {
    const { config, transport } = this.opts
    if (!config.allowSetDefaultChannel) return { error: 'disabled_by_config', message: 'setChannel is disabled by configuration' }
    if (transport.isRemoteBlocked()) return transport.blockedAnswer(false)
    const res = await transport.jsonRequest(config.channelUrl, { ...this.opts.infoObject(), channel })
    if ('error' in res) {
      // CUP.setChannel: channelPrivate for a channel that refuses self-assignment
      const code = String(res.error)
      if (code.includes('cannot_update_via_private_channel') || code.includes('channel_self_set_not_allowed'))
        this.opts.notify('channelPrivate', { channel, message: res.message })
      return res
    }
    if (res.unset === true) {
      this.persisted = undefined
      this.current = config.defaultChannel
    } else {
      this.persisted = channel
      this.current = channel
    }
    return res
  }

  /** CU.unsetChannel: no request at all: the persisted choice is removed, back to the config's defaultChannel. */
  async unset(): Promise<Answer> {
    this.persisted = undefined
    this.current = this.opts.config.defaultChannel
    return { status: 'ok', message: 'Channel override removed' }
  }

  /**
   * CU.getChannel: PUT channelUrl with the info object. 400 channel_not_found → the local
   * defaultChannel (when there is one); an answered channel (not builtin) is persisted locally
   * (CU.persistDefaultChannelFromResponse).
   */
  async get(): Promise<Answer> {
    const { transport } = this.opts
    if (transport.isRemoteBlocked()) return transport.blockedAnswer(false)
    const res = await transport.http('PUT', this.opts.config.channelUrl, this.opts.infoObject())
    if (!res) return { error: 'network_error', message: 'Request failed' }
    const rl = transport.handleRateLimit(res)
    if (rl.blocked) return { error: rl.error, message: rl.message }
    if (res.status === 400 && res.text.includes('channel_not_found') && this.current) return { channel: this.current, status: 'default' }
    if (res.status < 200 || res.status > 299) return { error: 'response_error', message: `Server error: ${res.status}` }
    if (!res.text) return { error: 'no_response_body', message: 'Empty response body' }
    const json = parseObject(res.text)
    if (!json) return { error: 'parse_error', message: 'JSON parse error' }
    if ('error' in json) return { error: json.error, message: json.message ?? 'server did not provide a message' }
    const channel = typeof json.channel === 'string' ? json.channel.trim() : ''
    if (channel && channel !== BUILTIN) {
      this.current = channel
      this.persisted = channel
    }
    return { ...json }
  }

  /** CU.listChannels: GET channelUrl with the info object as query parameters; a bare array of channels (integer ids). */
  async list(): Promise<Answer> {
    const { transport } = this.opts
    if (transport.isRemoteBlocked()) return transport.blockedAnswer(false)
    const url = new URL(this.opts.config.channelUrl)
    for (const [k, v] of Object.entries(this.opts.infoObject())) if (v != null) url.searchParams.append(k, String(v))
    const res = await transport.http('GET', url.toString())
    if (!res) return { error: 'network_error', message: 'Request failed' }
    const rl = transport.handleRateLimit(res)
    if (rl.blocked) return { error: rl.error, message: rl.message }
    if (res.status < 200 || res.status > 299) return { error: 'response_error', message: `Server error: ${res.status}` }
    if (!res.text) return { error: 'no_response_body', message: 'Empty response body' }
    let data: unknown
    try {
      data = JSON.parse(res.text)
    } catch {
      return { error: 'parse_error', message: 'JSON parse error' }
    }
    // CU.parseListChannelsResponse: ids must be numbers
    if (Array.isArray(data)) {
      if (data.some((c) => typeof c?.id !== 'number')) return { error: 'parse_error', message: 'Channel id must be a number' }
      return {
        channels: data.map((c) => ({ id: c.id, name: c.name ?? '', public: c.public === true, allow_self_set: c.allow_self_set === true })),
      }
    }
    const obj = data && typeof data === 'object' ? (data as Record<string, unknown>) : undefined
    if (obj && 'error' in obj) return { error: obj.error, message: obj.message ?? 'server did not provide a message' }
    return { error: 'parse_error', message: 'Unexpected channels response format' }
  }
}
