/**
 * Lab results from a CSV or XLSX file, streamed (the lab's LIS export). Columns, Chinese or English:
 * 试管条码/样本编号/tube, 检测结果/结果/result (阴性/阳性/无效 or negative/positive/invalid), 检测时间/tested_at,
 * optional Ct columns (ORF1ab, N, E — e.g. "ORF1ab Ct" or ct_n) and 检测机构/lab_code.
 *
 * Policy: one transaction. A row that cannot be read (unknown result word, bad date, bad Ct, a tube barcode that
 * went through a spreadsheet's number cell: tube_numeric_cell) rejects the whole file and every such row is
 * listed; nothing is written. Readable rows go through `ingestResults` in batches,
 * whose per-tube answers (unknown tube, duplicate, conflict) are reported row by row.
 */

import type { Readable } from 'node:stream';
import type { Db } from '../../db/types.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { EARLIEST_PLAUSIBLE, LATEST_PLAUSIBLE } from '../../lib/instant.ts';
import { numericCellProblem } from '../registry/import/numeric-cell.ts';
import { normaliseHeader, parseRows } from '../registry/import/parse-rows.ts';
import type { FollowUpSummary } from './follow-up.ts';
import { ingestResults, type ResultInput, type ResultOutcome, type TubeResultValue } from './results.ts';

const ALIASES: Record<string, string> = Object.fromEntries(
  (
    [
      ['tube', ['tube', 'barcode', 'tube_barcode', '试管条码', '样本编号', '条码', '管码']],
      ['result', ['result', '检测结果', '结果']],
      ['tested_at', ['tested_at', '检测时间', '报告时间']],
      ['lab_code', ['lab_code', 'lab', '检测机构', '实验室']],
      ['ct_orf1ab', ['ct_orf1ab', 'orf1ab', 'orf1ab_ct', 'orf1ab基因', 'orf1ab基因ct值']],
      ['ct_n', ['ct_n', 'n', 'n_ct', 'n基因', 'n基因ct值']],
      ['ct_e', ['ct_e', 'e', 'e_ct', 'e基因', 'e基因ct值']],
    ] as const
  ).flatMap(([key, names]) => names.map((n) => [normaliseHeader(n), key])),
);

const WORDS: Record<string, TubeResultValue> = {
  negative: 'negative',
  neg: 'negative',
  阴性: 'negative',
  positive: 'positive',
  pos: 'positive',
  阳性: 'positive',
  invalid: 'invalid',
  无效: 'invalid',
};

export interface FileRowProblem {
  line: number;
  code: string;
  message: string;
}

export interface ResultsFileReport {
  rows: number;
  outcomes: (ResultOutcome & { line: number })[];
  followUp: FollowUpSummary;
}

export class ResultsFileRejected extends AppError {
  constructor(problems: FileRowProblem[]) {
    super(
      422,
      'results_file_rejected',
      `nothing was recorded: ${problems.length} row(s) cannot be read; fix them and send the file again`,
      problems,
    );
  }
}

function readRow(
  line: number,
  v: Record<string, string>,
  numeric: ReadonlySet<string> | undefined,
): ResultInput | FileRowProblem {
  const tube = (v.tube ?? '').trim();
  // A barcode in a number cell (XLSX) or in scientific notation (CSV) may have lost digits or leading zeros: its
  // result would go to another tube, or to none. Refused (tube_numeric_cell), never converted.
  const changed = numericCellProblem('tube', tube, numeric?.has('tube'));
  if (changed) return { line, ...changed };
  if (!/^[A-Za-z0-9_-]{4,40}$/.test(tube))
    return { line, code: 'tube_invalid', message: `tube barcode "${tube}" is not 4–40 letters or digits` };
  const result = WORDS[(v.result ?? '').trim().toLowerCase()];
  if (!result)
    return {
      line,
      code: 'result_invalid',
      message: `result "${v.result ?? ''}" is not 阴性/阳性/无效 or negative/positive/invalid`,
    };
  const raw = (v.tested_at ?? '').trim();
  const testedAt = new Date(
    /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$/.test(raw) ? `${raw.replace(' ', 'T')}+08:00` : raw,
  );
  if (
    raw === '' ||
    Number.isNaN(testedAt.getTime()) ||
    testedAt < EARLIEST_PLAUSIBLE ||
    testedAt >= LATEST_PLAUSIBLE
  ) {
    return {
      line,
      code: 'tested_at_invalid',
      message: `tested_at "${raw}" is not a date and time from 2019-12-01 on (2022-03-14 11:30, Beijing time, or ISO 8601)`,
    };
  }
  const ct: Record<string, number> = {};
  for (const [key, gene] of [
    ['ct_orf1ab', 'ORF1ab'],
    ['ct_n', 'N'],
    ['ct_e', 'E'],
  ] as const) {
    const c = (v[key] ?? '').trim();
    if (c === '' || c === '-' || /^(undet|无)/i.test(c)) continue;
    const n = Number(c);
    if (!(n > 0 && n < 50))
      return { line, code: 'ct_invalid', message: `${gene} Ct "${c}" must be a number between 0 and 50` };
    ct[gene] = n;
  }
  return { tube, result, ct, testedAt, labCode: v.lab_code?.trim() || undefined };
}

export async function importResultsFile(
  db: Db,
  clock: Clock,
  source: string | Readable,
  options: { fileName: string; scopePrefix: string; batchSize?: number },
): Promise<ResultsFileReport> {
  const batchSize = options.batchSize ?? 5000;
  return db.transaction(async (tx) => {
    const problems: FileRowProblem[] = [];
    const outcomes: (ResultOutcome & { line: number })[] = [];
    const followUp: FollowUpSummary = {
      positivePools: 0,
      held: 0,
      retestTasks: 0,
      positivePersons: 0,
      unheld: 0,
      resampleTasks: 0,
    };
    let batch: { line: number; item: ResultInput }[] = [];
    let rows = 0;
    const flush = async () => {
      if (problems.length > 0 || batch.length === 0) {
        batch = [];
        return;
      }
      const res = await ingestResults(
        tx,
        clock,
        batch.map((b) => b.item),
        'file',
        options.scopePrefix,
      );
      for (const [i, o] of res.outcomes.entries())
        outcomes.push({ ...o, line: (batch[i] as { line: number }).line });
      for (const k of Object.keys(followUp) as (keyof FollowUpSummary)[]) followUp[k] += res.followUp[k];
      batch = [];
    };
    for await (const row of parseRows(source, {
      fileName: options.fileName,
      aliases: ALIASES,
      required: ['tube', 'result', 'tested_at'],
    })) {
      rows++;
      const r = readRow(row.line, row.values, row.numeric);
      if ('code' in r) problems.push(r);
      else batch.push({ line: row.line, item: r });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    if (problems.length > 0) throw new ResultsFileRejected(problems);
    return { rows, outcomes, followUp };
  });
}
