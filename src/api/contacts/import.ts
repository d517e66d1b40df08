import { Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { AppError, invalid } from '../../platform/errors.ts';
import { blankRow, columnOf, planColumns, rowInput, type ColumnPlan } from './columns.ts';
import { ContactSink, type ImportReport, type ImportTarget } from './sink.ts';

export const CSV_TYPES = ['text/csv', 'application/csv'] as const;
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Largest file accepted (bytes). */
export const MAX_FILE_BYTES = 2 * 1024 ** 3;

/**
 * Character sets a CSV file may be in (`?charset=` or the Content-Type's `charset`), decoded by the
 * platform's WHATWG Encoding Standard decoder (ICU). A byte-order mark wins over the declared set:
 * spreadsheets write UTF-16 with one.
 */
export const CSV_CHARSETS = [
  'utf-8',
  'gb18030',
  'gbk',
  'big5',
  'shift_jis',
  'utf-16le',
  'utf-16be',
  'iso-8859-1',
  'windows-1252',
] as const;
export type CsvCharset = (typeof CSV_CHARSETS)[number];

/** The charset a name stands for (`utf8`, `latin1`, `GB2312` …), or undefined. */
export function csvCharset(name: string): CsvCharset | undefined {
  const n = name.trim().toLowerCase();
  const alias: Record<string, CsvCharset> = {
    utf8: 'utf-8',
    latin1: 'iso-8859-1',
    gb2312: 'gbk',
    'utf-16': 'utf-16le',
    sjis: 'shift_jis',
  };
  return alias[n] ?? ((CSV_CHARSETS as readonly string[]).find((c) => c === n) as CsvCharset);
}

/** Bytes in `charset` (or the set its byte-order mark names) → UTF-8 text, chunk by chunk. */
function decoder(charset: CsvCharset): Transform {
  let dec: TextDecoder | undefined;
  let head = Buffer.alloc(0);
  const start = (bytes: Buffer): Buffer => {
    let label: string = charset;
    let skip = 0;
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) [label, skip] = ['utf-8', 3];
    else if (bytes[0] === 0xff && bytes[1] === 0xfe) [label, skip] = ['utf-16le', 2];
    else if (bytes[0] === 0xfe && bytes[1] === 0xff) [label, skip] = ['utf-16be', 2];
    dec = new TextDecoder(label, { fatal: false, ignoreBOM: true });
    return bytes.subarray(skip);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!dec) {
        head = Buffer.concat([head, chunk]);
        if (head.length < 3) return done();
        chunk = start(head);
      }
      const text = dec!.decode(chunk, { stream: true });
      done(null, text ? Buffer.from(text) : undefined);
    },
    flush(done) {
      if (!dec) {
        if (head.length === 0) return done();
        const rest = start(head);
        return done(null, Buffer.from(dec!.decode(rest)));
      }
      const text = dec.decode();
      done(null, text ? Buffer.from(text) : undefined);
    },
  });
}

/**
 * Reads a contact file as a stream: the header decides the columns, then every row is checked and
 * the good ones stored in batches while the rest of the file is still being read. Memory stays flat
 * in the file's size. A header that cannot work (no sessionId or number column, a mandatory
 * attribute missing, a repeated column) refuses the file with 422 before any row is stored.
 */
export function importFile(
  kind: 'csv' | 'xlsx',
  source: Readable,
  t: ImportTarget,
  opts: { maxBytes?: number; charset?: CsvCharset } = {},
): Promise<ImportReport> {
  const maxBytes = opts.maxBytes ?? MAX_FILE_BYTES;
  let bytes = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes)
        return done(new AppError('payload_too_large', `the file is larger than ${maxBytes} bytes`));
      done(null, chunk);
    },
  });
  source.on('error', (e) => limited.destroy(e));
  source.pipe(limited);
  const read =
    kind === 'csv' ? importCsv(limited, t, opts.charset ?? 'utf-8') : importXlsx(limited, t);
  // Whatever happens, read the rest of the upload away, so that the answer reaches the client.
  return read.finally(() => {
    source.unpipe(limited);
    if (!source.destroyed) source.resume();
  });
}

/** Turns the header into a plan and reports ignored columns once; refuses an unusable header. */
function startFile(header: readonly string[], sink: ContactSink, t: ImportTarget): ColumnPlan {
  const { plan, unknown, fatal } = planColumns(header, t.rules);
  if (fatal.length) throw invalid(fatal, 'The file cannot be imported');
  for (const u of unknown) sink.error({ row: 0, sessionId: null, ...u });
  return plan;
}

function addRow(
  sink: ContactSink,
  plan: ColumnPlan,
  row: number,
  cells: readonly string[],
  charset?: CsvCharset,
): void {
  // Blank rows (an empty line, a row of empty cells) count for numbering but are not contacts.
  if (blankRow(cells)) return;
  // Bytes that are not text in the file's charset were decoded as U+FFFD: refuse the row rather
  // than store replacement characters (the usual cause: a GBK or Latin-1 file sent as UTF-8).
  const broken = charset ? cells.findIndex((c) => c.includes('\uFFFD')) : -1;
  if (broken >= 0) {
    sink.report.received++;
    sink.report.rejected++;
    sink.error({
      row,
      sessionId: null,
      path: plan.names[broken] || `column ${broken + 1}`,
      message:
        `has bytes that are not valid ${charset} text; if the file is in another character ` +
        `set, import it with ?charset= one of ${CSV_CHARSETS.join(', ')}`,
    });
    return;
  }
  if (cells.length > plan.width && cells.slice(plan.width).some((c) => c.trim() !== '')) {
    sink.report.received++;
    sink.report.rejected++;
    sink.error({
      row,
      sessionId: null,
      path: '/',
      message: `has ${cells.length} fields; the header has ${plan.width}`,
    });
    return;
  }
  const { input, ns, pre } = rowInput(cells, plan);
  sink.add(row, input, pre, (path) => columnOf(path, ns));
}

function importCsv(source: Readable, t: ImportTarget, charset: CsvCharset): Promise<ImportReport> {
  const sink = new ContactSink(t);
  const text = decoder(charset);
  const parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: 1024 * 1024,
  });
  return new Promise<ImportReport>((resolve, reject) => {
    let plan: ColumnPlan | undefined;
    let row = 0;
    let failed = false;
    let ended = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      text.unpipe(parser);
      parser.destroy();
      reject(e);
    };
    parser.on('data', (cells: string[]) => {
      if (failed) return;
      try {
        if (!plan) {
          plan = startFile(cells, sink, t);
          return;
        }
        addRow(sink, plan, ++row, cells, charset);
        if (sink.full) {
          // Parsing pauses only while the database already has its fill of batches.
          parser.pause();
          sink.handOff().then(() => parser.resume(), fail);
        }
      } catch (e) {
        fail(e);
      }
    });
    parser.on('error', (e) => {
      if (failed) return;
      if (e instanceof AppError) return fail(e);
      // A broken file (an unclosed quote) ends the reading; what came before it has been imported.
      sink.error({
        row: row + 1,
        sessionId: null,
        path: '/',
        message: `the file is not valid CSV (${e.message}); the rest of the file was not read`,
      });
      text.unpipe(parser);
      finish();
    });
    const finish = () => {
      if (failed || ended) return;
      ended = true;
      if (!plan) return fail(invalid([{ path: '/', message: 'the file is empty' }], 'Empty file'));
      sink.finish().then(resolve, fail);
    };
    parser.on('end', finish);
    source.on('error', (e) => fail(e));
    text.on('error', (e) => fail(e));
    source.pipe(text).pipe(parser);
  });
}

/** The text a spreadsheet cell shows, as a CSV cell would hold it. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText))
      return (o.richText as { text?: string }[]).map((r) => r.text ?? '').join('');
    if ('result' in o) return cellText(o.result);
    if ('text' in o) return cellText(o.text);
    if ('error' in o) return '';
  }
  return String(v);
}

function importXlsx(source: Readable, t: ImportTarget): Promise<ImportReport> {
  // The workbook reader does not see errors of its input (a file over the limit, a client gone)
  // and would wait for the rest forever.
  const broken = new Promise<never>((_, reject) => source.once('error', reject));
  broken.catch(() => {});
  return Promise.race([readXlsx(source, t), broken]);
}

/** Reads the first worksheet; row numbers are the sheet's rows below the header row. */
async function readXlsx(source: Readable, t: ImportTarget): Promise<ImportReport> {
  const sink = new ContactSink(t);
  let plan: ColumnPlan | undefined;
  let headerRow = 0;
  let storing = false;
  // Loaded when a workbook comes (a large module most processes never need).
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    entries: 'ignore',
  });
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = row.values as unknown[];
        const cells: string[] = [];
        const formulas: number[] = [];
        for (let c = 1; c < values.length; c++) {
          const v = values[c];
          // Spreadsheet programs pretty-print their XML: the reader keeps the whitespace between
          // elements in a cell's text. No contact field means surrounding whitespace.
          cells.push(cellText(v).trim());
          if (v && typeof v === 'object' && ('formula' in v || 'sharedFormula' in v))
            formulas.push(c - 1);
        }
        if (!plan) {
          if (blankRow(cells)) continue;
          plan = startFile(cells, sink, t);
          headerRow = row.number;
          continue;
        }
        const rowNo = row.number - headerRow;
        if (formulas.length && !blankRow(cells))
          sink.warn({
            row: rowNo,
            sessionId: cells[plan.sessionId] ?? '',
            number: null,
            message:
              `${formulas.map((i) => `'${plan!.names[i] || `column ${i + 1}`}'`).join(', ')} ` +
              `${formulas.length > 1 ? 'hold formulas' : 'holds a formula'}: the value the ` +
              'spreadsheet last calculated was imported',
          });
        addRow(sink, plan, rowNo, cells);
        if (sink.full) {
          storing = true;
          await sink.handOff();
          storing = false;
        }
      }
      break;
    }
  } catch (e) {
    if (storing || e instanceof AppError) throw e;
    throw new AppError(
      'bad_request',
      `the file is not a readable XLSX workbook: ${(e as Error).message}`,
    );
  }
  if (!plan)
    throw invalid([{ path: '/', message: 'the workbook has no header row' }], 'Empty file');
  return sink.finish();
}
