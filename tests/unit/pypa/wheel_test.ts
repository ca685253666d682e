import assert from "node:assert/strict";
import {
  chooseWheel,
  crc32,
  extractZipMember,
  listZipEntries,
  parseWheelFilename,
  platformTagScore,
  readZipEntry,
  type WheelPlatform,
} from "../../../src/pypa/wheel.ts";
import { makeZip } from "../../helpers/zip.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("crc32() matches the standard check value", () => {
  assert.equal(crc32(enc.encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array()), 0);
});

Deno.test("listZipEntries() reads names, methods, sizes and Unix modes from the central directory", () => {
  const zip = makeZip([
    { name: "a.txt", data: "hello" },
    { name: "pkg-1.0.data/scripts/tool", data: "x".repeat(5000), deflate: true, mode: 0o100755 },
  ]);
  const entries = listZipEntries(zip);
  assert.deepEqual(entries.map((e) => [e.name, e.method, e.size, e.mode]), [
    ["a.txt", 0, 5, 0o644],
    ["pkg-1.0.data/scripts/tool", 8, 5000, 0o755],
  ]);
  assert.ok(entries[1].compressedSize < 5000);
});

Deno.test("extractZipMember() returns stored and deflated members byte for byte", () => {
  const big = new Uint8Array(200_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  const zip = makeZip([
    { name: "stored.bin", data: big },
    { name: "deflated.bin", data: big, deflate: true },
    { name: "empty", data: "", deflate: true },
  ]);
  assert.deepEqual(extractZipMember(zip, "stored.bin"), big);
  assert.deepEqual(extractZipMember(zip, "deflated.bin"), big);
  assert.equal(extractZipMember(zip, "empty")?.length, 0);
  assert.equal(extractZipMember(zip, "missing"), null);
});

Deno.test("listZipEntries() follows zip64 records and extra fields", () => {
  const zip = makeZip([
    { name: "one", data: "first", deflate: true },
    { name: "two", data: "second" },
  ], { zip64: true });
  const entries = listZipEntries(zip);
  assert.deepEqual(entries.map((e) => [e.name, e.size]), [["one", 5], ["two", 6]]);
  assert.equal(dec.decode(readZipEntry(zip, entries[1])), "second");
  assert.equal(dec.decode(extractZipMember(zip, "one")!), "first");
});

Deno.test("readZipEntry() rejects a member whose bytes fail the CRC check", () => {
  const zip = makeZip([{ name: "f", data: "payload" }]);
  const entry = listZipEntries(zip)[0];
  const damaged = zip.slice();
  damaged[30 + 1 + 2] ^= 0xff; // inside "payload", after the 30-byte header and 1-byte name
  assert.throws(() => readZipEntry(damaged, entry), /CRC/);
});

Deno.test("listZipEntries() rejects data that is not a zip archive", () => {
  for (const bad of [new Uint8Array(10), enc.encode("x".repeat(100))]) {
    assert.throws(() => listZipEntries(bad), /not a readable zip archive/);
  }
});

Deno.test("parseWheelFilename() splits compressed tag sets", () => {
  assert.deepEqual(
    parseWheelFilename("uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
    {
      name: "uv",
      version: "0.13.9",
      pythonTags: ["py3"],
      abiTags: ["none"],
      platformTags: ["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
    },
  );
  assert.equal(parseWheelFilename("uv-0.13.9.tar.gz"), null);
  assert.equal(parseWheelFilename("broken.whl"), null);
  assert.equal(parseWheelFilename("pkg-1.0-1build-py3-none-any.whl")?.version, "1.0");
});

const glibc236: WheelPlatform = {
  os: "linux",
  arch: "x86_64",
  libc: "glibc",
  glibc: [2, 36],
  macos: null,
};
const glibc217Arm: WheelPlatform = { ...glibc236, arch: "aarch64", glibc: [2, 17] };
const glibc231Arm: WheelPlatform = { ...glibc236, arch: "aarch64", glibc: [2, 31] };
const muslX86: WheelPlatform = { ...glibc236, libc: "musl", glibc: null };
const macArm: WheelPlatform = {
  os: "darwin",
  arch: "aarch64",
  libc: null,
  glibc: null,
  macos: [14, 0],
};
const macIntel: WheelPlatform = { ...macArm, arch: "x86_64" };
const oldMacIntel: WheelPlatform = { ...macIntel, macos: [10, 11] };

const UV_FILES = [
  "uv-0.13.9-py3-none-linux_armv6l.whl",
  "uv-0.13.9-py3-none-macosx_10_12_x86_64.whl",
  "uv-0.13.9-py3-none-macosx_11_0_arm64.whl",
  "uv-0.13.9-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
  "uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
  "uv-0.13.9-py3-none-manylinux_2_28_aarch64.whl",
  "uv-0.13.9-py3-none-musllinux_1_1_x86_64.whl",
  "uv-0.13.9-py3-none-win_amd64.whl",
  "uv-0.13.9.tar.gz",
  "uv-0.13.8-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
].map((filename) => ({ filename }));

Deno.test("chooseWheel() picks the uv wheel that fits each host", () => {
  const cases: Array<[string, WheelPlatform, string | null]> = [
    ["glibc x86_64", glibc236, "uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"],
    ["musl x86_64", muslX86, "uv-0.13.9-py3-none-musllinux_1_1_x86_64.whl"],
    [
      "old glibc aarch64",
      glibc217Arm,
      "uv-0.13.9-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
    ],
    ["new glibc aarch64", glibc231Arm, "uv-0.13.9-py3-none-manylinux_2_28_aarch64.whl"],
    ["macOS arm64", macArm, "uv-0.13.9-py3-none-macosx_11_0_arm64.whl"],
    ["macOS x86_64", macIntel, "uv-0.13.9-py3-none-macosx_10_12_x86_64.whl"],
    ["macOS too old", oldMacIntel, null],
    ["windows", { ...glibc236, os: "windows" }, null],
  ];
  for (const [what, host, want] of cases) {
    assert.equal(chooseWheel(UV_FILES, "uv", "0.13.9", host)?.filename ?? null, want, what);
  }
});

Deno.test("chooseWheel() ignores other versions, other projects and sdists", () => {
  const files = [
    { filename: "uv-0.13.8-py3-none-manylinux_2_17_x86_64.whl" },
    { filename: "uvx-0.13.9-py3-none-manylinux_2_17_x86_64.whl" },
    { filename: "uv-0.13.9.tar.gz" },
    { filename: "uv-0.13.9-cp312-cp312-manylinux_2_17_x86_64.whl" },
  ];
  assert.equal(chooseWheel(files, "uv", "0.13.9", glibc236), null);
});

Deno.test("platformTagScore() accepts a manylinux tag only up to the host's glibc", () => {
  const cases: Array<[string, WheelPlatform, boolean]> = [
    ["manylinux_2_17_x86_64", glibc236, true],
    ["manylinux2014_x86_64", glibc236, true],
    ["manylinux1_x86_64", glibc236, true],
    ["manylinux_2_39_x86_64", glibc236, false],
    ["manylinux_2_17_aarch64", glibc236, false],
    ["manylinux_2_17_x86_64", muslX86, false],
    ["manylinux_2_17_x86_64", { ...glibc236, glibc: null }, true],
    ["musllinux_1_1_x86_64", glibc236, true],
    ["linux_x86_64", glibc236, false],
    ["macosx_10_12_universal2", macArm, true],
    ["macosx_15_0_arm64", macArm, false],
    ["macosx_11_0_x86_64", macArm, false],
  ];
  for (const [tag, host, ok] of cases) {
    assert.equal(platformTagScore(tag, host) > 0, ok, `${tag} on ${JSON.stringify(host)}`);
  }
  assert.ok(
    platformTagScore("manylinux_2_17_x86_64", glibc236) >
      platformTagScore("musllinux_1_1_x86_64", glibc236),
    "a glibc host prefers manylinux over a musl build",
  );
  assert.ok(
    platformTagScore("macosx_11_0_arm64", macArm) >
      platformTagScore("macosx_10_12_universal2", macArm),
    "a native build beats a universal one",
  );
});
