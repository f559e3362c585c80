/**
 * What an alert says, and that tenant data cannot inject markup into any medium.
 */
import { describe, expect, it } from 'vitest';
import { emailContent, emailHtml } from './email.js';
import { escapeCardMarkdown, escapeHtml, escapeSlack, oneLine, renderAlert, safeLink } from './render.js';
import { slackPayload } from './slack.js';
import { teamsPayload } from './teams.js';
import { HOSTILE_NAME, sampleEvent } from './test-support.js';

describe('renderAlert', () => {
  it('says tenant, previous → current level, each changed rule with observed vs expected, and where to look', () => {
    const view = renderAlert(sampleEvent());
    expect(view.title).toBe('Contoso Ltd: maturity slipped from level 3 (Defined) to 2 (Managed)');
    expect(view.tone).toBe('bad');
    expect(view.levelChange).toBe('3 (Defined) → 2 (Managed)');
    expect(view.facts).toEqual([
      { label: 'Tenant', value: 'Contoso Ltd (contoso)' },
      { label: 'Level', value: '3 (Defined) → 2 (Managed)' },
      { label: 'Scan', value: 'scan-contoso-0002' },
      { label: 'When', value: '2025-01-02T02:00:42.000Z' },
    ]);
    expect(view.drops.map((d) => d.heading)).toEqual(['Overall level 3 → 2', 'endpoint score 75 → 60']);
    expect(view.drops[0]!.rules[0]).toEqual({
      ruleId: 'mfa-enforced',
      from: 'pass',
      to: 'fail',
      observed: 'Security defaults off, no Conditional Access policy requires MFA',
      expected: 'enforced for all users',
    });
    expect(view.link).toBe('https://ratchet.msp.example/tenants/contoso/scans/scan-contoso-0002');
    expect(view.text).toContain('    - patch-compliance: pass → fail\n        observed: 102 of 120 devices compliant (85 %)\n        expected: ≥ 90 %');
    expect(view.text).toContain('See the evidence:\n  https://ratchet.msp.example/tenants/contoso/scans/scan-contoso-0002\n  ratchet rescore --scan scan-contoso-0002 --format markdown\n');
  });

  it('names a score-only regression by its drop', () => {
    const view = renderAlert(sampleEvent({ currentLevel: 3, currentLevelName: 'Defined', drops: [sampleEvent().drops[1]!] }));
    expect(view.title).toBe('Contoso Ltd: maturity regression (endpoint score 75 → 60)');
  });

  it('renders recovery, lost visibility (never as a regression) and visibility restored', () => {
    expect(renderAlert(sampleEvent({ kind: 'recovery', previousLevel: 2, previousLevelName: 'Managed', currentLevel: 3, currentLevelName: 'Defined' })).title).toBe(
      'Contoso Ltd: regression resolved, level 3 (Defined)',
    );
    const lost = renderAlert(sampleEvent({ kind: 'lost_visibility', drops: [], lostKeys: ['rmm.alerts', 'm365.secure_score'], currentLevel: 3, currentLevelName: 'Defined' }));
    expect(lost.title).toBe('Contoso Ltd: lost visibility of 2 evidence sources');
    expect(lost.tone).toBe('warning');
    expect(lost.summary).toMatch(/not a regression/);
    expect(lost.text).toContain('Evidence no longer available:\n  - rmm.alerts\n  - m365.secure_score');
    expect(renderAlert(sampleEvent({ kind: 'visibility_restored', drops: [], lostKeys: ['rmm.alerts'] })).tone).toBe('good');
  });

  it('keeps big alerts bounded and says what it left out', () => {
    const rules = Array.from({ length: 40 }, (_, i) => ({ ruleId: `rule-${i}`, from: 'pass', to: 'fail', observed: 'o'.repeat(1000), expected: 'e' }));
    const view = renderAlert(
      sampleEvent({
        drops: [
          { kind: 'level', id: 'overall', from: 4, to: 2, rules },
          ...Array.from({ length: 24 }, (_, i) => ({ kind: 'capability' as const, id: `cap-${i}`, from: 90, to: 10, rules: [] })),
        ],
        lostKeys: Array.from({ length: 55 }, (_, i) => `k.${i}`),
      }),
    );
    expect(view.drops).toHaveLength(20);
    expect(view.drops[0]!.rules).toHaveLength(30);
    expect(view.drops[0]!.rules[0]!.observed.length).toBe(300);
    expect(view.lostKeys).toHaveLength(50);
    expect(view.summary).toBe('A confirmed regression: 40 rules got worse since the last good scan.');
    expect(view.omitted).toBe('Not shown here: 5 more drops, 10 more changed rules, 5 more evidence keys. See the evidence for all of it.');
    expect(view.text).toContain(view.omitted!);
    expect(JSON.stringify(teamsPayload(sampleEvent({ drops: [{ kind: 'level', id: 'overall', from: 4, to: 2, rules }] }))).length).toBeLessThan(28_000);
    expect(slackPayload(sampleEvent({ drops: Array.from({ length: 60 }, (_, i) => ({ kind: 'capability' as const, id: `c${i}`, from: 90, to: 10, rules: [] })) })).blocks.length).toBeLessThanOrEqual(50);
  });

  it('handles unknown levels and no link', () => {
    const view = renderAlert(sampleEvent({ previousLevel: null, previousLevelName: null, link: null }));
    expect(view.levelChange).toBe('unknown → 2 (Managed)');
    expect(view.link).toBeNull();
    expect(view.text).toContain('See the evidence:\n  ratchet rescore');
  });

  it('makes untrusted text single-line, so a newline cannot forge a line', () => {
    const view = renderAlert(sampleEvent({ tenant: { id: 'contoso', name: 'Contoso\nLevel: 5 (Optimizing)\u202e' } }));
    expect(view.title.split('\n')).toHaveLength(1);
    expect(view.text).not.toMatch(/^Level: 5/m);
    expect(oneLine('a\r\n\tb\u0000c')).toBe('a b c');
    expect(oneLine('x'.repeat(600)).length).toBe(500);
  });

  it('only links to http(s)', () => {
    expect(safeLink('javascript:alert(1)')).toBeNull();
    expect(safeLink('data:text/html,<script>')).toBeNull();
    expect(safeLink('not a url')).toBeNull();
    expect(safeLink('https://ratchet.example/x?y=1')).toBe('https://ratchet.example/x?y=1');
    expect(renderAlert(sampleEvent({ link: 'javascript:alert(1)' })).link).toBeNull();
  });
});

describe('escaping per medium', () => {
  const hostile = sampleEvent({
    tenant: { id: 'evil', name: HOSTILE_NAME },
    drops: [{ kind: 'level', id: 'overall', from: 3, to: 2, rules: [{ ruleId: 'r*1', from: 'pass', to: 'fail', observed: '<b>1</b> & _x_', expected: '`y`' }] }],
  });

  it('escapers', () => {
    expect(escapeSlack('<!channel> & <https://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;https://x|y&gt;');
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeCardMarkdown('**b** _i_ [l](u) `c` ~s~ <h> \\')).toBe('\\*\\*b\\*\\* \\_i\\_ \\[l\\](u) \\`c\\` \\~s\\~ \\<h\\> \\\\');
    expect(escapeCardMarkdown('# heading')).toBe('\\# heading');
    expect(escapeCardMarkdown('- item')).toBe('\\- item');
    expect(escapeCardMarkdown('1. item')).toBe('1\\. item');
    // Ordinary punctuation stays readable.
    expect(escapeCardMarkdown('Contoso Ltd. (UK) 82.5 - 60')).toBe('Contoso Ltd. (UK) 82.5 - 60');
  });

  it('Slack: mrkdwn escaped, no raw < or & from the tenant reaches a mrkdwn field', () => {
    const payload = slackPayload(hostile);
    expect(payload.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(payload.text).not.toContain('<script>');
    expect(payload.text).not.toContain('<!channel>');
    const mrkdwnTexts: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (o.type === 'mrkdwn') mrkdwnTexts.push(String(o.text));
        Object.values(o).forEach(walk);
      }
    };
    walk(payload.blocks);
    const joined = mrkdwnTexts.join('\n');
    expect(joined).toContain('&lt;script&gt;');
    expect(joined).toContain('&lt;b&gt;1&lt;/b&gt; &amp; _x_');
    expect(joined).not.toContain('<script>');
    expect(joined).not.toContain('<!channel>');
    // The one link is ours.
    expect(joined.match(/<[^>]+>/g)).toEqual(['<https://ratchet.msp.example/tenants/contoso/scans/scan-contoso-0002|Open the evidence>']);
  });

  it('Teams: TextBlock/FactSet markdown escaped', () => {
    const card = JSON.stringify(teamsPayload(hostile));
    expect(card).toContain('\\\\<script\\\\>alert(1)\\\\</script\\\\>');
    expect(card).toContain('\\\\*\\\\*Evil\\\\*\\\\*');
    expect(card).toContain('\\\\[x\\\\](https://evil.example)');
    expect(card).not.toMatch(/[^\\]<script>/);
  });

  it('email: HTML escaped, text part verbatim', () => {
    const mail = emailContent(hostile);
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;b&gt;1&lt;/b&gt; &amp; _x_');
    expect(mail.text).toContain('<script>alert(1)</script>');
    expect(mail.subject).toBe(`[Ratchet] ${oneLine(HOSTILE_NAME)}: maturity slipped from level 3 (Defined) to 2 (Managed)`);
    // A javascript: link never becomes an href.
    expect(emailHtml(renderAlert(sampleEvent({ link: 'javascript:alert(1)' })))).not.toContain('javascript:');
  });
});
