// The bundles on disk (CU.getBundleInfo / saveBundleInfo) and which one is current, next and the
// fallback; the transitions CU makes between them (setNextBundle, set, reset, setSuccess, performReset).
import { BUILTIN, type BundleInfo, type DeviceHooks } from './types.ts'

export class BundleStore {
  /** every bundle by id; "builtin" is always there */
  readonly all = new Map<string, BundleInfo>()
  private current = BUILTIN
  private next: string | null = null
  private fallback = BUILTIN

  constructor(private readonly hooks: Pick<DeviceHooks, 'notify' | 'sendStats'>) {
    this.all.set(BUILTIN, { id: BUILTIN, versionName: BUILTIN, status: 'success', checksum: '', files: [] })
  }

  get currentBundle(): BundleInfo {
    return this.all.get(this.current)!
  }
  get nextBundle(): BundleInfo | undefined {
    return this.next ? this.all.get(this.next) : undefined
  }

  /** CU.setNextBundle: set_next (new name, current name). */
  setNext(id: string) {
    const bundle = this.all.get(id)
    if (!bundle) return
    this.next = id
    if (id !== BUILTIN) bundle.status = 'pending'
    this.hooks.sendStats('set_next', bundle.versionName, this.currentBundle.versionName)
    this.hooks.notify('setNext', { bundle: bundle.versionName })
  }

  /** CUP.installNext: the next bundle becomes the current one; false when there is none to install. */
  installNext(): boolean {
    const next = this.nextBundle
    if (!next || next.status === 'error' || next.id === this.current) return false
    if (next.id === BUILTIN) {
      // CU.set(builtin) → CU.reset: reset (builtin, previous name)
      const previous = this.currentBundle.versionName
      this.current = BUILTIN
      this.fallback = BUILTIN
      this.next = null
      this.hooks.sendStats('reset', BUILTIN, previous)
    } else {
      // CU.set: set (new name, previous name), the bundle pending until notifyAppReady
      const previous = this.currentBundle.versionName
      this.current = next.id
      next.status = 'pending'
      this.next = null
      this.hooks.sendStats('set', next.versionName, previous)
    }
    return true
  }

  /** CU.setSuccess: the current bundle becomes the fallback; the previous fallback is deleted. */
  setSuccess() {
    const current = this.currentBundle
    if (current.id === BUILTIN) return
    current.status = 'success'
    const previous = this.all.get(this.fallback)
    if (previous && previous.id !== BUILTIN && previous.id !== current.id && previous.id !== this.next) {
      this.all.delete(previous.id)
      this.hooks.sendStats('delete', previous.versionName) // CU.delete
    }
    this.fallback = current.id
  }

  /**
   * CUP.performReset(toLastSuccessful, internal): to the fallback (CU.set sends set with the builtin as
   * the old name, the reset state having switched to builtin first), else to builtin with no stat.
   */
  resetToFallback() {
    const fallback = this.all.get(this.fallback)
    this.current = BUILTIN
    if (fallback && fallback.id !== BUILTIN) {
      this.current = fallback.id
      this.hooks.sendStats('set', fallback.versionName, BUILTIN)
    }
    this.next = null
  }
}
