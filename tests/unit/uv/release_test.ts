import assert from "node:assert/strict";
import {
  parseUvVersion,
  UV_VERSION,
  UV_WHEEL_SHA256,
  versionAtLeast,
} from "../../../src/uv/release.ts";

Deno.test("parseUvVersion() reads old and new `uv --version` formats", () => {
  const cases: Array<[string, string | null]> = [
    ["uv 0.13.9 (x86_64-unknown-linux-gnu)\n", "0.13.9"],
    ["uv 0.4.30 (61ed2a236 2024-11-04)", "0.4.30"],
    ["uv 0.5.0", "0.5.0"],
    ["ruff 0.5.0", null],
    ["", null],
  ];
  for (const [out, want] of cases) assert.equal(parseUvVersion(out), want, out);
});

Deno.test("versionAtLeast() compares versions by PEP 440", () => {
  const cases: Array<[string, string, boolean]> = [
    ["0.13.9", "0.5.0", true],
    ["0.5.0", "0.5.0", true],
    ["0.4.30", "0.5.0", false],
    ["1.0", "0.99.99", true],
    ["0.10.0", "0.9.1", true],
    ["0.5.0rc1", "0.5.0", false],
    ["3.8.18", "3.8", true],
    ["3.7.16", "3.8", false],
  ];
  for (const [a, b, want] of cases) assert.equal(versionAtLeast(a, b), want, `${a} >= ${b}`);
});

Deno.test("UV_VERSION is pinned exactly and its known wheel hashes name that version", () => {
  assert.match(UV_VERSION, /^\d+\.\d+\.\d+$/);
  for (const [name, hash] of Object.entries(UV_WHEEL_SHA256)) {
    assert.ok(name.startsWith(`uv-${UV_VERSION}-`), name);
    assert.match(hash, /^[0-9a-f]{64}$/);
  }
});
