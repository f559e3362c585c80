import { describe, expect, it } from 'vitest';
import { Provenance, evidenceFrom, failedEvidence } from './evidence.js';
import { collectorError, permissionMissing } from './failure.js';

describe('provenance', () => {
  it('charges a shared counter once per item and keeps endpoints in first-seen order', () => {
    const listing = { count: 3 };
    const alerts = { count: 2 };
    const devices = new Provenance('acme').add('/devices', listing);
    const both = new Provenance('acme').add(['/alerts', '/devices'], alerts).merge(devices).charge(1);
    expect(devices.toSource()).toEqual({ collector: 'acme', endpoints: ['/devices'], requests: 3 });
    expect(both.toSource()).toEqual({ collector: 'acme', endpoints: ['/alerts', '/devices'], requests: 6 });
    listing.count += 1;
    expect(both.requests).toBe(7);
  });
});

describe('evidence builders', () => {
  it('builds ok and failed items with the same shape', () => {
    const p = new Provenance('acme').add('/x').charge(2);
    expect(evidenceFrom('k', { ok: true, value: { n: 1 } }, p, 'T')).toEqual({
      key: 'k',
      status: 'ok',
      value: { n: 1 },
      reason: null,
      reasonCode: null,
      source: { collector: 'acme', endpoints: ['/x'], requests: 2 },
      collectedAt: 'T',
    });
    expect(failedEvidence('k', permissionMissing('grant X'), p, 'T')).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing', reason: 'grant X', value: null });
    expect(evidenceFrom('k', { ok: false, failure: collectorError('down') }, p, 'T')).toMatchObject({ status: 'error', reasonCode: 'collector_error', reason: 'down' });
  });
});
