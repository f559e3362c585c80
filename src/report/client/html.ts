/**
 * The client report as one self-contained HTML page (inline CSS and SVG, the logo embedded as a data URL), the same
 * sections as the PDF. Every piece of text is escaped; colours come from the validated brand (#rrggbb only).
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Brand } from './brand.js';
import { dayText, deltaText, levelSentence, periodEndText, plot, scoreText, steps, timeAxis, type Box, type XY } from './geometry.js';
import { BENCHMARK_MEANING, E8_MEANING, type ClientReport } from './model.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function path(pts: readonly XY[]): string {
  return pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join('');
}

function svgChart(r: ClientReport, brand: Brand, points: ClientReport['level']['points'], min: number, max: number, grid: number[], label: (v: number) => string, stepLine: boolean, title: string): string {
  const box: Box = { x: 34, y: 6, width: 500, height: 80 };
  const axis = timeAxis(r);
  const xy = plot(points, box, axis, min, max);
  const line = stepLine ? steps(xy) : xy;
  const gridLines = grid
    .map((v) => {
      const y = Math.round((box.y + box.height - ((v - min) / (max - min)) * box.height) * 10) / 10;
      return `<line x1="${box.x}" x2="${box.x + box.width}" y1="${y}" y2="${y}" stroke="#e2e2e2" stroke-width="0.6"/><text x="${box.x - 4}" y="${y + 3}" font-size="9" text-anchor="end" fill="#666">${esc(label(v))}</text>`;
    })
    .join('');
  const last = xy[xy.length - 1];
  const series = line.length > 1 ? `<path d="${path(line)}" fill="none" stroke="${brand.colors.primary}" stroke-width="2" stroke-linejoin="round"/>` : '';
  const dot = last ? `<circle cx="${last.x}" cy="${last.y}" r="3" fill="${brand.colors.accent}"/>` : '';
  const dates = `<text x="${box.x}" y="${box.y + box.height + 13}" font-size="9" fill="#666">${esc(dayText(r.period.from))}</text><text x="${box.x + box.width}" y="${box.y + box.height + 13}" font-size="9" fill="#666" text-anchor="end">${esc(dayText(new Date(axis.t1).toISOString()))}</text>`;
  return `<svg viewBox="0 0 540 104" width="540" height="104" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title><rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="none" stroke="#ccc" stroke-width="0.6"/>${gridLines}${series}${dot}${dates}</svg>`;
}

function logoTag(brand: Brand): string {
  if (!brand.logoPath) return '';
  const type = extname(brand.logoPath).toLowerCase() === '.png' ? 'image/png' : 'image/jpeg';
  return `<img class="logo" alt="${esc(brand.name)}" src="data:${type};base64,${readFileSync(brand.logoPath).toString('base64')}">`;
}

function list(items: string[], empty: string): string {
  return items.length === 0 ? `<p class="muted">${esc(empty)}</p>` : `<ul>${items.join('')}</ul>`;
}

export function renderClientReportHtml(r: ClientReport, brand: Brand): string {
  const p = brand.colors.primary;
  const a = brand.colors.accent;
  const caps = r.capabilities
    .map((c) => {
      if (c.unscored) return `<div class="cap"><h3>${esc(c.name)}</h3><p class="muted">${esc(c.unscored)}</p></div>`;
      const d = deltaText(c.startScore, c.score);
      const cls = d.startsWith('+') ? 'up' : d.startsWith('-') ? 'down' : 'muted';
      const chart = svgChart(r, brand, c.points, 0, 100, [0, 25, 50, 75, 100], String, false, `${c.name}: score over ${r.period.label}, now ${scoreText(c.score)}`);
      return `<div class="cap"><div class="capfacts"><h3>${esc(c.name)}</h3><p>Level ${c.level}<br>Score ${esc(scoreText(c.score))}${d ? `<br><span class="${cls}">${esc(d)} since ${esc(dayText(r.scans.first))}</span>` : ''}</p></div>${chart}</div>`;
    })
    .join('');
  const improved = list(r.improved.map((c) => `<li class="up-item">${esc(`${c.capability} — ${c.text}`)}</li>`), 'No check moved up between the first and the last scan of the period.');
  const slipped = list(
    [...r.slipped.map((c) => `<li class="down-item">${esc(`${c.capability} — ${c.text}`)}${c.remedy ? `<br><em>What fixes it: ${esc(c.remedy)}</em>` : ''}</li>`), ...r.episodes.map((e) => `<li class="${e.kind === 'regression' ? 'down-item' : ''}">${esc(e.text)}</li>`)],
    'Nothing slipped in the period.',
  );
  const roadmap =
    r.roadmap.steps.length === 0
      ? '<p class="muted">The highest level is reached: keep the evidence current so it holds.</p>'
      : `<p><strong>Effort: ${esc(r.roadmap.effort)}.</strong></p><ol>${r.roadmap.steps.map((s) => `<li>${esc(`${s.capability} — ${s.title}: ${s.gap}`)}<br><em>${esc(s.remediation)}</em></li>`).join('')}</ol>`;
  const attestations = list(
    r.attestations.map((x) => `<li class="${x.status === 'valid' ? 'up-item' : 'down-item'}">${esc(`${x.label} (${dayText(x.attestedAt)}), ${x.status === 'valid' ? `valid until ${dayText(x.expiresAt)}` : `expired ${dayText(x.expiresAt)} — due for renewal`}`)}${x.note ? `<br><em>${esc(x.note)}</em>` : ''}</li>`),
    'No attestations on file.',
  );
  const benchmark = r.benchmark
    ? `<h2>How you compare</h2><p class="muted">${esc(BENCHMARK_MEANING(r.benchmark.peers))}</p>${list(r.benchmark.lines.map((l) => `<li>${esc(l)}</li>`), 'Not compared yet.')}${r.benchmark.note ? `<p class="muted">${esc(`Not compared: ${r.benchmark.note}.`)}</p>` : ''}`
    : '';
  const e8 = r.essentialEight
    ? `<h2>Essential Eight</h2><p class="muted">${esc(`${E8_MEANING} Overall: maturity level ${r.essentialEight.overall}.`)}</p>${list(r.essentialEight.strategies.map((x) => `<li><strong>${esc(`${x.name}: ML${x.level}`)}</strong><br><span class="muted">${esc(x.restsOn)}</span></li>`), '')}`
    : '';
  const levelChart = svgChart(r, brand, r.level.points, 1, 5, [1, 2, 3, 4, 5], (v) => `L${v}`, true, `Level over ${r.period.label}: now ${r.level.value}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`IT maturity report — ${r.tenant.name} — ${r.period.label}`)}</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;color:#222;max-width:820px;margin:0 auto;padding:0 24px 48px;line-height:1.45}
header.band{background:${p};color:#fff;padding:24px;margin:0 -24px 24px;display:flex;gap:20px;align-items:center}
header.band .logo{max-height:60px;max-width:140px;background:#fff;padding:6px;border-radius:6px}
header.band h1{margin:0;font-size:24px} header.band p{margin:4px 0 0}
h2{color:${p};border-bottom:1px solid ${p};padding-bottom:3px;margin-top:32px}
.badge{display:inline-block;background:${p};color:#fff;border-radius:10px;padding:10px 24px;text-align:center;margin-right:20px;vertical-align:top}
.badge b{display:block;font-size:40px}
.summary{display:flex;align-items:flex-start}
.cap{display:flex;gap:16px;align-items:flex-start;margin:12px 0}.capfacts{width:200px;flex:none}.cap h3{margin:0 0 4px;font-size:15px}
.muted{color:#666}.up{color:${a}}.down{color:#b03a2e}
li{margin:6px 0}li.up-item::marker{color:${a}}li.down-item::marker{color:#b03a2e}
footer{margin-top:40px;color:#666;font-size:12px;border-top:1px solid #ddd;padding-top:8px}
</style></head><body>
<header class="band">${logoTag(brand)}<div><h1>${esc(brand.name)}</h1><p>IT maturity report</p></div></header>
<h1>${esc(r.tenant.name)}</h1>
<p class="muted">${esc(`${r.period.label}: ${dayText(r.period.from)} – ${periodEndText(r)}`)}</p>
<div class="summary"><div class="badge">Maturity level<b>${r.level.value}</b></div><div><h2 style="margin-top:0;border:0">${esc(r.level.name)}</h2><p>${esc(levelSentence(r))}</p>${r.level.restsOn ? `<p class="muted">${esc(`Rests on: ${r.level.restsOn}`)}</p>` : ''}</div></div>
<h3>Level over the period</h3>${levelChart}
<h2>Capabilities and their trend</h2>
<p class="muted">Each capability is scored 0–100 from the evidence: 25 per level above 1 plus progress to the next level (level 3 = 50–74.9).</p>
${caps}
${benchmark}
${e8}
<h2>What improved</h2>${improved}
<h2>What slipped, and why</h2>${slipped}
<h2>${esc(r.roadmap.toLevel === null ? 'Roadmap' : `Roadmap to level ${r.roadmap.toLevel}`)}</h2>${roadmap}
<h2>Attestations on file</h2>${attestations}
<footer>${esc(`${brand.footer ?? brand.name} · generated ${dayText(r.generatedAt)} from ${r.scans.count} scans between ${dayText(r.scans.first)} and ${dayText(r.scans.last)}`)}</footer>
</body></html>
`;
}
