/**
 * The `world` of a small `simulate` scenario (docs/simulate.md): a tenant in +08:00, one caller
 * number, the published notice flow, mobile numbers. `tenant` adds to or overrides the tenant's
 * settings (channels: 10 unless given).
 */
export function noticeWorld(tenant: Record<string, unknown> = {}) {
  return {
    tenant: { channels: 10, timeZone: '+08:00', ...tenant },
    callerNumbers: [{ number: '+862188880001', ouId: null }],
    flows: [{ id: 'flow-notice', kind: 'ivr', status: 'published', ouId: null, document: {} }],
    numberTypes: ['mobile'],
  };
}
