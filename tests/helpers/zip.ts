/** Test helper: writes small zip archives (stored or deflated, optionally zip64). */
import { deflateRawSync } from "node:zlib";
import { crc32 } from "../../src/pypa/wheel.ts";

/** One member to write. */
export interface FixtureEntry {
  name: string;
  data: Uint8Array | string;
  deflate?: boolean;
  mode?: number;
}

class Bytes {
  parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array) {
    this.parts.push(b);
    this.length += b.length;
  }
  u16(n: number) {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, n, true);
    this.push(b);
  }
  u32(n: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n >>> 0, true);
    this.push(b);
  }
  u64(n: number) {
    this.u32(n % 0x1_0000_0000);
    this.u32(Math.floor(n / 0x1_0000_0000));
  }
  join(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Builds a zip archive; with `zip64` the central directory uses zip64 fields and records. */
export function makeZip(
  entries: FixtureEntry[],
  opts: { zip64?: boolean } = {},
): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder();
  const out = new Bytes();
  const central = new Bytes();
  for (const e of entries) {
    const data = typeof e.data === "string" ? enc.encode(e.data) : e.data;
    const body = e.deflate ? new Uint8Array(deflateRawSync(data)) : data;
    const name = enc.encode(e.name);
    const crc = crc32(data);
    const offset = out.length;
    out.u32(0x04034b50);
    out.u16(20);
    out.u16(0);
    out.u16(e.deflate ? 8 : 0);
    out.u32(0);
    out.u32(crc);
    out.u32(body.length);
    out.u32(data.length);
    out.u16(name.length);
    out.u16(0);
    out.push(name);
    out.push(body);

    central.u32(0x02014b50);
    central.u16((3 << 8) | 45);
    central.u16(45);
    central.u16(0);
    central.u16(e.deflate ? 8 : 0);
    central.u32(0);
    central.u32(crc);
    central.u32(opts.zip64 ? 0xffffffff : body.length);
    central.u32(opts.zip64 ? 0xffffffff : data.length);
    central.u16(name.length);
    central.u16(opts.zip64 ? 28 : 0);
    central.u16(0);
    central.u16(0);
    central.u16(0);
    central.u32(((e.mode ?? 0o100644) << 16) >>> 0);
    central.u32(opts.zip64 ? 0xffffffff : offset);
    central.push(name);
    if (opts.zip64) {
      central.u16(1);
      central.u16(24);
      central.u64(data.length);
      central.u64(body.length);
      central.u64(offset);
    }
  }
  const cdOffset = out.length;
  const cd = central.join();
  out.push(cd);
  if (opts.zip64) {
    const rec = out.length;
    out.u32(0x06064b50);
    out.u64(44);
    out.u16(45);
    out.u16(45);
    out.u32(0);
    out.u32(0);
    out.u64(entries.length);
    out.u64(entries.length);
    out.u64(cd.length);
    out.u64(cdOffset);
    out.u32(0x07064b50);
    out.u32(0);
    out.u64(rec);
    out.u32(1);
  }
  out.u32(0x06054b50);
  out.u16(0);
  out.u16(0);
  out.u16(opts.zip64 ? 0xffff : entries.length);
  out.u16(opts.zip64 ? 0xffff : entries.length);
  out.u32(opts.zip64 ? 0xffffffff : cd.length);
  out.u32(opts.zip64 ? 0xffffffff : cdOffset);
  const comment = enc.encode("fixture");
  out.u16(comment.length);
  out.push(comment);
  return out.join();
}
