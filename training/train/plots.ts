/** Run-folder figures: SVG drawn here, rasterised to PNG by sharp. */
import { writeFileSync } from 'node:fs';
import { loadSharp } from '../../common/sharp.js';
import type { EpochMetrics } from './checkpoint.js';

const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';

/**
 * Writes `path` (.png). Where sharp's native build is missing (a bundled training run carried to a
 * GPU machine), writes the SVG beside it instead and says so: the figure is kept, not the run lost.
 */
export async function writePng(svg: string, path: string): Promise<void> {
  let sharp: Awaited<ReturnType<typeof loadSharp>>;
  try {
    sharp = await loadSharp();
  } catch (e) {
    const svgPath = path.replace(/\.png$/, '.svg');
    writeFileSync(svgPath, svg);
    console.warn(`sharp unavailable (${(e as Error).message.split('\n')[0]}): wrote ${svgPath} instead of a PNG`);
    return;
  }
  await sharp(Buffer.from(svg)).png().toFile(path);
}

export function confusionSvg(confusion: number[][], labels: readonly string[], title: string): string {
  const k = labels.length;
  const cell = 56;
  const left = 110;
  const top = 60;
  const size = left + k * cell + 20;
  const parts: string[] = [];
  parts.push(`<text x="${size / 2}" y="24" ${FONT} font-size="15" text-anchor="middle">${escapeXml(title)}</text>`);
  parts.push(
    `<text x="${left + (k * cell) / 2}" y="${top + k * cell + 70}" ${FONT} font-size="12" text-anchor="middle">predicted</text>`,
  );
  for (let r = 0; r < k; r++) {
    const row = confusion[r] ?? [];
    const total = row.reduce((a, b) => a + b, 0) || 1;
    parts.push(
      `<text x="${left - 6}" y="${top + r * cell + cell / 2 + 4}" ${FONT} font-size="11" text-anchor="end">${labels[r]}</text>`,
    );
    for (let c = 0; c < k; c++) {
      const share = (row[c] ?? 0) / total;
      const shade = Math.round(255 * (1 - share));
      const x = left + c * cell;
      const y = top + r * cell;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#888"/>`,
      );
      parts.push(
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" ${FONT} font-size="11" text-anchor="middle" fill="${share > 0.5 ? 'white' : 'black'}">${row[c] ?? 0}</text>`,
      );
    }
  }
  for (let c = 0; c < k; c++) {
    const x = left + c * cell + cell / 2;
    const y = top + k * cell + 10;
    parts.push(
      `<text x="${x}" y="${y}" ${FONT} font-size="11" text-anchor="end" transform="rotate(-45 ${x} ${y})">${labels[c]}</text>`,
    );
  }
  const height = top + k * cell + 85;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${height}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`;
}

export function curvesSvg(history: EpochMetrics[]): string {
  const width = 900;
  const height = 360;
  const panel = (x0: number, title: string, series: { name: string; color: string; values: number[] }[]) => {
    const w = 380;
    const h = 260;
    const y0 = 50;
    const [lo, hi] = yRange(series.flatMap((s) => s.values));
    const n = Math.max(2, history.length);
    const px = (i: number) => x0 + (i / (n - 1)) * w;
    const py = (v: number) => y0 + h - ((v - lo) / (hi - lo)) * h;
    const out = [
      `<text x="${x0 + w / 2}" y="30" ${FONT} font-size="14" text-anchor="middle">${title}</text>`,
      `<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#888"/>`,
      `<text x="${x0 + w / 2}" y="${y0 + h + 20}" ${FONT} font-size="11" text-anchor="middle">epoch (1–${history.length})</text>`,
    ];
    for (let t = 0; t <= 4; t++) {
      const v = lo + ((hi - lo) * t) / 4;
      out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="#ddd"/>`);
      out.push(
        `<text x="${x0 - 4}" y="${(py(v) + 4).toFixed(1)}" ${FONT} font-size="10" text-anchor="end">${v.toFixed(3)}</text>`,
      );
    }
    series.forEach((s, k) => {
      const points = s.values.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
      // A dot per epoch: a one-epoch run has no line to draw.
      s.values.forEach((v, i) =>
        out.push(`<circle cx="${px(i).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3.5" fill="${s.color}"/>`),
      );
      out.push(
        `<text x="${x0 + 60 * k}" y="${y0 + h + 40}" ${FONT} font-size="11" fill="${s.color}">— ${s.name}</text>`,
      );
    });
    return out.join('');
  };
  const body =
    panel(50, 'loss', [
      { name: 'train', color: '#1f77b4', values: history.map((m) => m.trainLoss) },
      { name: 'valid', color: '#d62728', values: history.map((m) => m.validLoss) },
    ]) +
    panel(500, 'accuracy', [
      { name: 'train', color: '#1f77b4', values: history.map((m) => m.trainAccuracy) },
      { name: 'valid', color: '#d62728', values: history.map((m) => m.validAccuracy) },
    ]);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${body}</svg>`;
}

/**
 * The y axis spans the data (plus a 5 % margin), not 0..max: the epoch-to-epoch changes that
 * matter (79.9 → 83.2 % valid) are a flat line on a zero-based axis.
 */
export function yRange(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const margin = Math.max((max - min) * 0.05, 1e-3);
  return [min - margin, max + margin];
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[ch]!);
}
