import { describe, expect, it } from 'vitest'
import { canSeeApp, keyExceeds, keyWithin, type Principal, requireMode, requireRole, visibleOrgIds, visibleRole } from './access.ts'

const principal = (extra: Partial<Principal> = {}): Principal => ({
  userId: 'u1',
  keyId: 1,
  mode: 'all',
  limitedToOrgs: [],
  limitedToApps: [],
  expiresAt: null,
  roles: new Map([
    ['o1', 'admin'],
    ['o2', 'read'],
  ]),
  ...extra,
})

describe('visibility', () => {
  it('a key sees the organizations its owner is a member of, within its limits', () => {
    expect(visibleOrgIds(principal())).toEqual(['o1', 'o2'])
    expect(visibleOrgIds(principal({ limitedToOrgs: ['o2'] }))).toEqual(['o2'])
    expect(visibleRole(principal(), 'o3')).toBeNull()
  })

  it('a key limited to apps sees only those apps and the organizations owning them', () => {
    const p = principal({ limitedToApps: ['a1'], limitedAppOrgs: ['o1'] })
    expect(visibleOrgIds(p)).toEqual(['o1'])
    expect(canSeeApp(p, { app_id: 'a1', owner_org: 'o1' })).toBe(true)
    expect(canSeeApp(p, { app_id: 'a2', owner_org: 'o1' })).toBe(false)
  })
})

describe('mode and role checks', () => {
  it('read < upload < write < all', () => {
    expect(() => requireMode(principal({ mode: 'write' }), 'upload')).not.toThrow()
    expect(() => requireMode(principal({ mode: 'upload' }), 'write')).toThrow(expect.objectContaining({ error: 'insufficient_key_mode' }))
  })

  it('a role below the minimum is 403, an invisible organization 404', () => {
    expect(() => requireRole(principal(), 'o1', 'write')).not.toThrow()
    expect(() => requireRole(principal(), 'o2', 'write')).toThrow(expect.objectContaining({ error: 'insufficient_role' }))
    expect(() => requireRole(principal(), 'o3', 'read')).toThrow(expect.objectContaining({ error: 'org_not_found' }))
  })
})

describe('key limits: no key gets more power than the calling key', () => {
  const power = { mode: 'read' as const, limitedToOrgs: [], limitedToApps: [], expiresAt: null }

  it('mode no higher', () => {
    expect(keyExceeds(principal({ mode: 'write' }), { ...power, mode: 'all' })).toMatch(/mode all is above/)
    expect(keyExceeds(principal({ mode: 'write' }), { ...power, mode: 'write' })).toBeNull()
  })

  it("limits within the caller's, non-empty when the caller is limited", () => {
    const p = principal({ limitedToOrgs: ['o1'] })
    expect(keyExceeds(p, power)).toMatch(/limited_to_orgs/)
    expect(keyExceeds(p, { ...power, limitedToOrgs: ['o1'] })).toBeNull()
    expect(keyExceeds(p, { ...power, limitedToOrgs: ['o1', 'o2'] })).toMatch(/limited_to_orgs/)
    expect(keyExceeds(principal({ limitedToApps: ['a1'] }), { ...power, limitedToApps: ['a2'] })).toMatch(/limited_to_apps/)
  })

  it("an expiry no later than the caller's", () => {
    const p = principal({ expiresAt: new Date('2030-01-01T00:00:00Z') })
    expect(keyExceeds(p, power)).toMatch(/expires_at must be set/)
    expect(keyExceeds(p, { ...power, expiresAt: new Date('2031-01-01T00:00:00Z') })).toMatch(/expires_at/)
    expect(keyExceeds(p, { ...power, expiresAt: new Date('2029-01-01T00:00:00Z') })).toBeNull()
  })

  it('a key manages only keys of its owner within itself', () => {
    expect(keyWithin(principal(), { ...power, userId: 'u1' })).toBe(true)
    expect(keyWithin(principal(), { ...power, userId: 'u2' })).toBe(false)
  })
})
