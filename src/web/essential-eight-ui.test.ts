/**
 * The tenant page shows the Essential Eight beside Ratchet's level: eight rows (strategy, ML, what it rests on) with
 * the requirements expandable, and the REST API returns `frameworks.essentialEight` in the report. Real web stack
 * over a SqliteStore.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleScan } from '../../test/helpers/sample-scan.js';
import { defaultRulesPath } from '../paths.js';
import { evaluateEssentialEight } from '../frameworks/essential-eight.js';
import { frameworksDir, loadFrameworks } from '../frameworks/load.js';
import { attested, e8Bundle, e8Strong } from '../frameworks/testing/e8-samples.js';
import { webFixture, type WebFixture } from './test-support.js';
import { uiPlugin } from './ui/index.js';

const e8 = loadFrameworks(frameworksDir(defaultRulesPath())).frameworks.essentialEight!;
const view = evaluateEssentialEight(e8, e8Bundle([...e8Strong(), attested('e8_backups_ml3'), attested('e8_mfa_ml1')]));

let f: WebFixture;
beforeAll(async () => {
  f = await webFixture({ deps: { ui: uiPlugin } });
  // Newer than the fixture's own scans, so it is the one the page shows.
  const scan = sampleScan({ tenantId: 'contoso', tenantName: 'Contoso', id: 'scan-contoso-e8', startedAt: '2030-01-01T02:00:00.000Z' });
  scan.report.frameworks = { essentialEight: view };
  await f.store.saveScan(scan);
  // fabrikam's scan predates the view: the page says so instead of showing zeros.
  await f.store.saveScan(sampleScan({ tenantId: 'fabrikam', tenantName: 'Fabrikam', id: 'scan-fabrikam-e8', startedAt: '2030-01-01T02:00:00.000Z' }));
});
afterAll(async () => {
  await f.close();
});

describe('Essential Eight on the tenant page', () => {
  it('renders one row per strategy with its level, what it rests on, and the requirements', async () => {
    const page = await f.as('viewer', { method: 'GET', url: '/tenants/contoso', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    const html = page.body;
    const rows = [...html.matchAll(/<tr class="e8-row" data-strategy="([^"]+)">([\s\S]*?)<\/details>/g)];
    expect(rows.map((r) => r[1])).toEqual(view.strategies.map((s) => s.id));
    for (const [i, s] of view.strategies.entries()) {
      const row = rows[i]![2]!;
      expect(row).toContain(`>ML${s.level}</span>`);
      expect(row).toContain(s.name);
      expect(row).toContain(`${s.requirements.filter((r) => r.status === 'met').length} of ${s.requirements.length} requirements met`);
      for (const r of s.requirements) expect(row).toContain(`data-requirement="${r.id}"`);
    }
    expect(view.strategies.find((s) => s.id === 'regular-backups')!.level).toBe(3);
    expect(rows.find((r) => r[1] === 'regular-backups')![2]).toContain('>ML3</span>');
    // A not-assessable requirement says which attestation satisfies it.
    expect(html).toContain('Attest as <em>E8 · Application control · ML1</em>');
    expect(html).toContain(`<strong>ML${view.overall}</strong> overall`);
  });

  it('says when a stored report predates the view', async () => {
    const page = await f.as('viewer', { method: 'GET', url: '/tenants/fabrikam', headers: { accept: 'text/html' } });
    expect(page.body).toContain('stored before the Essential Eight view existed');
    expect(page.body).not.toContain('class="e8-row"');
  });

  it('the API returns frameworks.essentialEight in the report', async () => {
    const res = await f.as('viewer', { method: 'GET', url: '/api/v1/tenants/contoso' });
    expect(res.statusCode).toBe(200);
    expect(res.json().report.frameworks.essentialEight).toEqual(JSON.parse(JSON.stringify(view)));
  });
});
