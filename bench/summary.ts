/**
 * The headline figures of one `npm run bench`, jadfer beside human and face-api from the same run:
 * the rows of the README's benchmark table, also kept in the bench JSON (`summary`).
 */
import type { ColdStart } from './cold-start.js';
import type { Comparison } from './compare.js';

export interface SummaryRow {
  figure: string;
  unit: 'ms' | 's' | 'fps' | 'MB' | '%';
  jadfer?: number;
  human?: number;
  faceapi?: number;
  /** jadfer ÷ human, where both were measured. */
  ratio?: number;
}

export function summaryRows(
  compare: Comparison | undefined,
  coldStart: ColdStart | undefined,
  sdk: { stream5?: { fps: number } } | undefined,
): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const add = (figure: string, unit: SummaryRow['unit'], values: Omit<SummaryRow, 'figure' | 'unit' | 'ratio'>) =>
    rows.push({
      figure,
      unit,
      ...values,
      ...(values.jadfer !== undefined && values.human ? { ratio: values.jadfer / values.human } : {}),
    });
  if (compare) {
    const of = (id: string) => compare.systems.find((s) => s.id === id)!;
    const each = (pick: (s: Comparison['systems'][number]) => number | undefined) => ({
      jadfer: pick(of('jadfer')),
      human: pick(of('human')),
      faceapi: pick(of('faceapi')),
    });
    add(
      '1-face p50 (640×480)',
      'ms',
      each((s) => s.oneFace.p50),
    );
    add(
      '5-face p50',
      'ms',
      each((s) => s.fiveFaces?.p50),
    );
    add(
      `1-face stream (${compare.streamSeconds} s)`,
      'fps',
      each((s) => s.stream?.fps),
    );
  }
  if (sdk?.stream5) add('5-face stream (fer.stream)', 'fps', { jadfer: sdk.stream5.fps });
  if (coldStart) {
    const { jadfer, human, faceapi } = coldStart.systems;
    const each = (pick: (s: typeof jadfer) => number) => ({
      jadfer: pick(jadfer),
      human: pick(human),
      faceapi: pick(faceapi),
    });
    const rowsOf: [string, SummaryRow['unit'], (s: typeof jadfer) => number][] = [
      ['cold start (import → first result)', 's', (s) => s.cold.ms / 1000],
      ['warm start (everything cached)', 's', (s) => s.warm.ms / 1000],
      ['bytes, brotli', 'MB', (s) => s.cold.brBytes / 1e6],
      ['bytes, gzip', 'MB', (s) => s.cold.gzipBytes / 1e6],
      ['bytes, uncompressed', 'MB', (s) => s.cold.rawBytes / 1e6],
    ];
    for (const [figure, unit, pick] of rowsOf) add(figure, unit, each(pick));
  }
  if (compare) {
    const of = (id: string) => compare.systems.find((s) => s.id === id)!.accuracy.accuracy * 100;
    add('FERPlus valid accuracy', '%', { jadfer: of('jadfer'), human: of('human'), faceapi: of('faceapi') });
  }
  return rows;
}

export function printSummary(rows: SummaryRow[]): void {
  if (!rows.length) return;
  const cell = (v: number | undefined, unit: SummaryRow['unit']) =>
    v === undefined ? '' : `${v.toFixed(unit === 'ms' || unit === 'fps' || unit === '%' ? 1 : 2)} ${unit}`;
  console.log('\nsummary (the README table):');
  console.log('| figure | jadfer | human | face-api | jadfer ÷ human |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.figure} | ${cell(r.jadfer, r.unit)} | ${cell(r.human, r.unit)} | ${cell(r.faceapi, r.unit)} | ${r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`} |`,
    );
}
