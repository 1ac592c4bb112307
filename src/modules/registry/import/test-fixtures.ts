/** Test helpers: generated person rows, CSV text and XLSX workbooks. Used by the tests of this folder only. */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { makeIdNumber } from '../../../domain/id-number.ts';

export const COMMUNITY = '220202001001';
export const GRID = '220202001001001';
export const OTHER_COMMUNITY = '220202001002';

export const ZH_HEADER = [
  '身份证号',
  '姓名',
  '手机号',
  '社区代码',
  '住址',
  '户号',
  '性别',
  '孕妇',
  '残疾',
  '慢性病',
  '健康码',
];
export const EN_HEADER = [
  'id_number',
  'name',
  'phone',
  'area_code',
  'address',
  'household_key',
  'sex',
  'pregnant',
  'disabled',
  'chronic_illness',
  'health_code',
];

/** A valid ID number, unique for i in 0..999,999 (born 1960 onwards, one day per thousand). */
export function idFor(i: number): string {
  const born = new Date(Date.UTC(1960, 0, 1 + Math.floor(i / 1000))).toISOString().slice(0, 10);
  return makeIdNumber('220202', born, i % 1000);
}

export function sexFor(i: number): '男' | '女' {
  return (i % 1000) % 2 === 1 ? '男' : '女';
}

/** A good row in the column order of ZH_HEADER / EN_HEADER. */
export function personRow(i: number, area = COMMUNITY): string[] {
  const house = Math.floor(i / 3);
  return [
    idFor(i),
    `张${i}`,
    `138${String(i).padStart(8, '0')}`,
    area,
    `幸福小区${house}号`,
    `H${house}`,
    sexFor(i),
    '否',
    i % 10 === 0 ? '是' : '否',
    '否',
    '绿',
  ];
}

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function csvText(rows: readonly (readonly string[])[], eol = '\n'): string {
  return rows.map((r) => r.map(csvField).join(',')).join(eol) + eol;
}

export function streamOf(data: string | Buffer): Readable {
  return Readable.from([typeof data === 'string' ? Buffer.from(data) : data]);
}

/** An xlsx workbook (in memory) whose first sheet holds `rows`; `extraSheet` adds a second sheet. */
export async function xlsxBuffer(rows: readonly (readonly unknown[])[], extraSheet = false): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人员');
  for (const r of rows) ws.addRow([...r]);
  if (extraSheet) wb.addWorksheet('说明').addRow(['这一页不导入']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
