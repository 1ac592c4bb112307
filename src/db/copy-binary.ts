/**
 * Writes PostgreSQL's binary COPY format (`COPY … FROM STDIN (FORMAT binary)`), the cheapest way to hand rows to
 * the server: nothing to parse on its side. Only the types the hot paths need: int2, int8, text, timestamptz, text[].
 * Rows go into 1 MiB chunks; `take()` hands over the full ones, `end()` the rest with the trailer.
 *
 * Format (PostgreSQL docs, "COPY — Binary Format"): the signature `PGCOPY\n\377\r\n\0`, a flags int32 and a
 * header-extension length int32; per row an int16 field count, then per field an int32 length (-1 = NULL) and the
 * value in network byte order; an int16 -1 ends the data.
 */

const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_32 = 2 ** 32;
const TEXT_OID = 25;

export class BinaryCopyWriter {
  private buf: Buffer;
  private at = 0;
  private readonly full: Buffer[] = [];
  private readonly size: number;

  constructor(chunkSize = 1 << 20) {
    this.size = chunkSize;
    this.buf = Buffer.allocUnsafe(chunkSize);
    this.room(SIGNATURE.length + 8);
    SIGNATURE.copy(this.buf, 0);
    this.at = SIGNATURE.length;
    this.buf.writeInt32BE(0, this.at); // flags
    this.buf.writeInt32BE(0, this.at + 4); // no header extension
    this.at += 8;
  }

  /** Makes room for `n` more bytes, moving to a new chunk when this one is full. */
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    if (this.at > 0) this.full.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(Math.max(this.size, n));
    this.at = 0;
  }

  row(fields: number): this {
    this.room(2);
    this.buf.writeInt16BE(fields, this.at);
    this.at += 2;
    return this;
  }

  null(): this {
    this.room(4);
    this.buf.writeInt32BE(-1, this.at);
    this.at += 4;
    return this;
  }

  /** A smallint column. */
  int2(v: number | null | undefined): this {
    if (v === null || v === undefined) return this.null();
    if (!Number.isInteger(v) || v < -32768 || v > 32767) throw new RangeError(`not an int2 value: ${v}`);
    this.room(6);
    this.buf.writeInt32BE(2, this.at);
    this.buf.writeInt16BE(v, this.at + 4);
    this.at += 6;
    return this;
  }

  /** An integer column. */
  int4(v: number | null | undefined): this {
    if (v === null || v === undefined) return this.null();
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647)
      throw new RangeError(`not an int4 value: ${v}`);
    this.room(8);
    this.buf.writeInt32BE(4, this.at);
    this.buf.writeInt32BE(v, this.at + 4);
    this.at += 8;
    return this;
  }

  bool(v: boolean | null | undefined): this {
    if (v === null || v === undefined) return this.null();
    this.room(5);
    this.buf.writeInt32BE(1, this.at);
    this.buf.writeUInt8(v ? 1 : 0, this.at + 4);
    this.at += 5;
    return this;
  }

  /** A date from "YYYY-MM-DD" (or a Date, its UTC day), stored as days since 2000-01-01. */
  date(v: string | Date | null | undefined): this {
    if (v === null || v === undefined) return this.null();
    const ms = typeof v === 'string' ? Date.parse(`${v.slice(0, 10)}T00:00:00Z`) : v.getTime();
    if (!Number.isFinite(ms) || (typeof v === 'string' && !/^\d{4}-\d{2}-\d{2}/.test(v)))
      throw new RangeError(`not a date: ${String(v)}`);
    this.room(8);
    this.buf.writeInt32BE(4, this.at);
    this.buf.writeInt32BE(Math.floor((ms - PG_EPOCH_MS) / 86_400_000), this.at + 4);
    this.at += 8;
    return this;
  }

  /** A bigint column from a JavaScript number (an integer within ±2^53). */
  int8(v: number | null | undefined): this {
    if (v === null || v === undefined) return this.null();
    if (!Number.isSafeInteger(v)) throw new RangeError(`not an int8 value: ${v}`);
    this.room(12);
    this.buf.writeInt32BE(8, this.at);
    const high = Math.floor(v / TWO_32);
    this.buf.writeInt32BE(high, this.at + 4);
    this.buf.writeUInt32BE(v - high * TWO_32, this.at + 8);
    this.at += 12;
    return this;
  }

  text(v: string | null | undefined): this {
    if (v === null || v === undefined) return this.null();
    const n = Buffer.byteLength(v);
    this.room(4 + n);
    this.buf.writeInt32BE(n, this.at);
    this.buf.write(v, this.at + 4, 'utf8');
    this.at += 4 + n;
    return this;
  }

  /** A timestamptz from milliseconds since 1970 (stored as microseconds since 2000). */
  timestamptz(ms: number | null | undefined): this {
    if (ms === null || ms === undefined) return this.null();
    const us = Math.round((ms - PG_EPOCH_MS) * 1000);
    this.room(12);
    this.buf.writeInt32BE(8, this.at);
    const high = Math.floor(us / TWO_32);
    this.buf.writeInt32BE(high, this.at + 4);
    this.buf.writeUInt32BE(us - high * TWO_32, this.at + 8);
    this.at += 12;
    return this;
  }

  /** A one-dimensional text[] without NULL elements. */
  textArray(values: readonly string[]): this {
    const bytes = values.map((v) => Buffer.byteLength(v));
    const body = values.length === 0 ? 12 : 20 + bytes.reduce((a, b) => a + 4 + b, 0);
    this.room(4 + body);
    const b = this.buf;
    let p = this.at;
    b.writeInt32BE(body, p);
    b.writeInt32BE(values.length === 0 ? 0 : 1, p + 4); // dimensions
    b.writeInt32BE(0, p + 8); // no NULLs
    b.writeInt32BE(TEXT_OID, p + 12);
    p += 16;
    if (values.length > 0) {
      b.writeInt32BE(values.length, p);
      b.writeInt32BE(1, p + 4); // lower bound
      p += 8;
      values.forEach((v, i) => {
        b.writeInt32BE(bytes[i] as number, p);
        b.write(v, p + 4, 'utf8');
        p += 4 + (bytes[i] as number);
      });
    }
    this.at = p;
    return this;
  }

  /** The chunks filled so far (handed over once). */
  take(): Buffer[] {
    return this.full.splice(0);
  }

  /** The trailer, then every chunk not yet taken. */
  end(): Buffer[] {
    this.room(2);
    this.buf.writeInt16BE(-1, this.at);
    this.at += 2;
    this.full.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.alloc(0);
    this.at = 0;
    return this.full.splice(0);
  }
}
