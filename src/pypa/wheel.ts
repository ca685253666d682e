/**
 * Reading wheels with no Python: a minimal zip reader (central directory, stored and
 * deflate entries, zip64 sizes) and the choice of a wheel by platform tag. Pure: no I/O.
 */

/**
 * node:zlib's inflateRawSync, fetched when a deflated member is first read: a static
 * import costs every cold start that reaches this module about 15 ms of CPU (the pip
 * driver imports it), and most starts never unzip anything.
 */
function inflateRawSync(raw: Uint8Array): Uint8Array {
  const zlib = process.getBuiltinModule("node:zlib") as typeof import("node:zlib");
  return zlib.inflateRawSync(raw);
}

/** One member of a zip archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate; anything else cannot be read. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
  /** Unix mode bits from the external attributes, or null when the archive was not made on Unix. */
  mode: number | null;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

function fail(detail: string): never {
  throw new Error(`not a readable zip archive: ${detail}`);
}

function u64(view: DataView, at: number): number {
  const lo = view.getUint32(at, true);
  const hi = view.getUint32(at + 4, true);
  // Sizes above 2^53 cannot occur in a wheel we could hold in memory anyway.
  return hi * 0x1_0000_0000 + lo;
}

function findEndRecord(view: DataView): number {
  // The end record is 22 bytes plus a comment of at most 64 KiB, so it lies near the end.
  const last = view.byteLength - 22;
  const first = Math.max(0, last - U16_MAX);
  for (let at = last; at >= first; at--) {
    if (view.getUint32(at, true) === EOCD_SIG) return at;
  }
  fail("no end of central directory record");
}

/** Lists the members of a zip archive from its central directory. @throws Error on a damaged archive */
export function listZipEntries(zip: Uint8Array): ZipEntry[] {
  if (zip.byteLength < 22) fail("too short");
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = findEndRecord(view);
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) fail("zip64 locator missing");
    const rec = u64(view, loc + 8);
    if (rec + 56 > zip.byteLength || view.getUint32(rec, true) !== ZIP64_EOCD_SIG) {
      fail("zip64 end record missing");
    }
    count = u64(view, rec + 32);
    cdSize = u64(view, rec + 40);
    cdOffset = u64(view, rec + 48);
  }
  if (cdOffset + cdSize > zip.byteLength) fail("central directory lies past the end");
  const dec = new TextDecoder();
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.byteLength || view.getUint32(at, true) !== CENTRAL_SIG) {
      fail(`bad central directory entry ${i}`);
    }
    const madeBy = view.getUint16(at + 4, true) >> 8;
    const method = view.getUint16(at + 10, true);
    const crc32 = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    const external = view.getUint32(at + 38, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    const name = dec.decode(zip.subarray(at + 46, at + 46 + nameLen));
    // Zip64 extra field (id 1): the 64-bit values appear only for fields saturated above.
    let extra = at + 46 + nameLen;
    const extraEnd = extra + extraLen;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const len = view.getUint16(extra + 2, true);
      if (id === 1) {
        let p = extra + 4;
        if (size === U32_MAX) {
          size = u64(view, p);
          p += 8;
        }
        if (compressedSize === U32_MAX) {
          compressedSize = u64(view, p);
          p += 8;
        }
        if (localHeaderOffset === U32_MAX) localHeaderOffset = u64(view, p);
      }
      extra += 4 + len;
    }
    // Made on Unix (3): the high 16 bits of the external attributes hold st_mode.
    const mode = madeBy === 3 ? (external >>> 16) & 0o7777 : null;
    entries.push({ name, method, compressedSize, size, crc32, localHeaderOffset, mode });
    at = extraEnd + commentLen;
  }
  return entries;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, reflected), as zip stores it. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The uncompressed bytes of one member, checked against its size and CRC. @throws Error */
export function readZipEntry(zip: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > zip.byteLength || view.getUint32(at, true) !== LOCAL_SIG) {
    fail(`bad local header for ${entry.name}`);
  }
  // The local header's own name and extra lengths may differ from the central copy.
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > zip.byteLength) fail(`${entry.name} runs past the end`);
  const raw = zip.subarray(start, end);
  let out: Uint8Array;
  if (entry.method === 0) out = raw;
  else if (entry.method === 8) out = new Uint8Array(inflateRawSync(raw));
  else fail(`${entry.name} uses compression method ${entry.method}`);
  if (out.length !== entry.size) fail(`${entry.name} has ${out.length} bytes, not ${entry.size}`);
  if (crc32(out) !== entry.crc32) fail(`${entry.name} fails its CRC check`);
  return out;
}

/** The member named `name`, uncompressed, or null when the archive has no such member. */
export function extractZipMember(zip: Uint8Array, name: string): Uint8Array | null {
  const entry = listZipEntries(zip).find((e) => e.name === name);
  return entry ? readZipEntry(zip, entry) : null;
}

/** The parts of a wheel file name (PEP 427). */
export interface WheelName {
  name: string;
  version: string;
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
}

/** Splits a wheel file name into its tags, or null when it is not a wheel name. */
export function parseWheelFilename(filename: string): WheelName | null {
  if (!filename.endsWith(".whl")) return null;
  const parts = filename.slice(0, -4).split("-");
  if (parts.length !== 5 && parts.length !== 6) return null;
  const [name, version] = parts;
  const [py, abi, plat] = parts.slice(-3);
  if (!name || !version || !py || !abi || !plat) return null;
  return {
    name,
    version,
    pythonTags: py.split("."),
    abiTags: abi.split("."),
    platformTags: plat.split("."),
  };
}

/** The host a wheel must run on. */
export interface WheelPlatform {
  /** Deno.build.os: `linux`, `darwin`, ... */
  os: string;
  /** Deno.build.arch: `x86_64` or `aarch64`. */
  arch: string;
  /** Linux only: which C library, or null when unknown. */
  libc: "glibc" | "musl" | null;
  /** Linux glibc [major, minor], or null when unknown. */
  glibc: [number, number] | null;
  /** macOS [major, minor], or null when unknown. */
  macos: [number, number] | null;
}

const LEGACY_MANYLINUX: Record<string, [number, number]> = {
  manylinux1: [2, 5],
  manylinux2010: [2, 12],
  manylinux2014: [2, 17],
};

function atMost(a: [number, number], b: [number, number] | null): boolean {
  return b === null || a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);
}

/**
 * How well one platform tag fits the host: 0 when it does not run there, higher is
 * better. Like pip, the newest compatible glibc or macOS tag wins; a static musllinux
 * build is a last resort on glibc.
 */
export function platformTagScore(tag: string, host: WheelPlatform): number {
  if (host.os === "linux") {
    const linuxArch = host.arch;
    let m = /^manylinux_(\d+)_(\d+)_(.+)$/.exec(tag);
    let glibc: [number, number] | null = m ? [Number(m[1]), Number(m[2])] : null;
    let arch = m?.[3];
    if (!m) {
      m = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(tag);
      if (m) {
        glibc = LEGACY_MANYLINUX[m[1]];
        arch = m[2];
      }
    }
    if (glibc && arch === linuxArch) {
      if (host.libc === "musl" || !atMost(glibc, host.glibc)) return 0;
      return 1000 + glibc[1];
    }
    const musl = /^musllinux_(\d+)_(\d+)_(.+)$/.exec(tag);
    if (musl && musl[3] === linuxArch) return host.libc === "musl" ? 1000 + Number(musl[2]) : 100;
    return 0;
  }
  if (host.os === "darwin") {
    const m = /^macosx_(\d+)_(\d+)_(.+)$/.exec(tag);
    if (!m) return 0;
    const want: [number, number] = [Number(m[1]), Number(m[2])];
    if (!atMost(want, host.macos)) return 0;
    const arch = m[3];
    const native = host.arch === "aarch64" ? ["arm64"] : ["x86_64", "intel"];
    const fat = ["universal2", ...(host.arch === "aarch64" ? [] : ["universal"])];
    const rank = want[0] * 100 + want[1];
    if (native.includes(arch)) return 10_000 + rank;
    if (fat.includes(arch)) return 5_000 + rank;
    return 0;
  }
  return 0;
}

/** How well a wheel fits the host: the best of its platform tags (0 = does not fit). */
function wheelScore(wheel: WheelName, host: WheelPlatform): number {
  const pyOk = wheel.pythonTags.some((t) => t === "py3" || t === "py2.py3");
  if (!pyOk || !wheel.abiTags.includes("none")) return 0;
  return Math.max(0, ...wheel.platformTags.map((t) => platformTagScore(t, host)));
}

/** Picks the best-fitting wheel of `name`==`version` among file names, or null. */
export function chooseWheel<T extends { filename: string }>(
  files: T[],
  name: string,
  version: string,
  host: WheelPlatform,
): T | null {
  let best: T | null = null;
  let bestScore = 0;
  for (const f of files) {
    const w = parseWheelFilename(f.filename);
    if (!w || w.name.toLowerCase().replace(/[-.]/g, "_") !== name || w.version !== version) {
      continue;
    }
    const s = wheelScore(w, host);
    if (s > bestScore) {
      best = f;
      bestScore = s;
    }
  }
  return best;
}
