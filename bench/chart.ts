// Draws docs/perf-history.svg from bench/results/history.csv: each gateway's throughput as a share
// of the bare forwarder's, run after run, with the targets as dashed lines.
import fs from 'node:fs';

const W = 720;
const H = 320;
const PAD = { left: 56, right: 120, top: 30, bottom: 40 };
const COLORS: Record<string, string> = { sqlite: '#2563eb', postgres: '#16a34a' };
const TARGETS: Record<string, number> = { sqlite: 0.75, postgres: 0.3 };

export function drawHistoryChart(csvPath: string, svgPath: string): void {
  const lines = fs.readFileSync(csvPath, 'utf8').trim().split('\n').slice(1);
  const runs: string[] = [];
  const series = new Map<string, { run: number; ratio: number }[]>();
  for (const line of lines) {
    const [at, , target, , , , , ratio] = line.split(',');
    if (!at || !target || target === 'forwarder') continue;
    if (!runs.includes(at)) runs.push(at);
    const list = series.get(target) ?? [];
    list.push({ run: runs.indexOf(at), ratio: Number(ratio) });
    series.set(target, list);
  }
  const x = (i: number) => PAD.left + (runs.length <= 1 ? 0 : (i / (runs.length - 1)) * (W - PAD.left - PAD.right));
  const y = (r: number) => PAD.top + (1 - Math.min(1, r)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${PAD.left}" y="18" font-size="14">Gateway throughput as a share of the bare forwarder, per bench run</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e5e7eb"/>`,
      `<text x="${PAD.left - 8}" y="${y(tick) + 4}" text-anchor="end">${tick * 100}%</text>`,
    );
  }
  for (const [name, pts] of series) {
    const color = COLORS[name] ?? '#6b7280';
    const target = TARGETS[name];
    if (target !== undefined)
      parts.push(
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(target)}" y2="${y(target)}" stroke="${color}" stroke-dasharray="4 4"/>`,
      );
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${x(p.run)},${y(p.ratio)}`).join(' ')}"/>`,
    );
    for (const p of pts) parts.push(`<circle cx="${x(p.run)}" cy="${y(p.ratio)}" r="3" fill="${color}"/>`);
    const last = pts[pts.length - 1];
    if (last)
      parts.push(
        `<text x="${W - PAD.right + 8}" y="${y(last.ratio) + 4}" fill="${color}">${name} ${(last.ratio * 100).toFixed(0)}%</text>`,
      );
  }
  parts.push(
    `<text x="${PAD.left}" y="${H - 12}" fill="#6b7280">${runs.length} run(s); dashed: targets (SQLite 75%, PostgreSQL 30%)</text>`,
    '</svg>',
  );
  fs.mkdirSync(svgPath.slice(0, svgPath.lastIndexOf('/')), { recursive: true });
  fs.writeFileSync(svgPath, parts.join('\n') + '\n');
}
