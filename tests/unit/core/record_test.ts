import assert from "node:assert/strict";
import {
  NOT_OURS,
  pruneRecords,
  recordPath,
  vouchedBuild,
  vouchedStamp,
  writeRecord,
} from "../../../src/core/record.ts";
import { hashInputs, type Stamp, statInputs } from "../../../src/core/stamp.ts";
import { PRIME_VERSION } from "../../../src/core/version.ts";

/** A build a minute after its files were written: their stats are past any clock tick (RACY_MS). */
const builtLater = () => Date.now() + 60_000;

/** A cache dir, a "venv" dir with an input beside it, and the stamp of its build. */
async function fixture() {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "prime-record-" }));
  const cache = `${root}/cache`;
  const venv = `${root}/.venv`;
  Deno.mkdirSync(cache, { mode: 0o700 });
  Deno.mkdirSync(venv);
  Deno.writeTextFileSync(`${root}/prime.toml`, "inputs = []\n");
  const paths = [`${root}/prime.toml`, `${root}/.python-version`];
  const stamp: Stamp = {
    schema: 1,
    prime: PRIME_VERSION,
    fingerprint: "fp",
    driver: "venv_pip",
    toolVersion: "test",
    createdAt: new Date(0).toISOString(),
    inputs: await hashInputs(paths),
    inputStats: statInputs(paths, builtLater()),
    python: {
      realPath: "/usr/bin/python3",
      mtimeMs: 1,
      size: 2,
      version: "3.12.1",
      implementation: "cpython",
    },
    run: { refRoot: root, env: null, vars: {}, varsFiles: [] },
  };
  return { root, cache, venv, stamp };
}

Deno.test("writeRecord(): the record reads back as the stamp written, its inputs as a table", async () => {
  const { root, cache, venv, stamp } = await fixture();
  try {
    await writeRecord(cache, venv, venv, stamp, JSON.stringify(stamp));
    assert.deepEqual(vouchedStamp(cache, venv), { stamp, dir: venv });
    const b = vouchedBuild(cache, venv);
    assert.ok(b.stamp !== null);
    assert.equal(b.stamp.fingerprint, "fp");
    assert.equal("inputs" in b.stamp, false, "the line holds no input list");
    assert.deepEqual(b.inputs.paths(), stamp.inputs.map((i) => i.path));
    assert.equal((Deno.statSync(recordPath(cache, venv)).mode ?? 0) & 0o777, 0o600);
    const bytes = Deno.readFileSync(recordPath(cache, venv));
    assert.equal((bytes.indexOf(0x0a) + 1) % 8, 0, "the table starts 8-byte aligned");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("vouchedStamp(): a record from before the table (one JSON line) still reads; a damaged table does not", async () => {
  const { root, cache, venv, stamp } = await fixture();
  try {
    const path = recordPath(cache, venv);
    Deno.mkdirSync(`${cache}/records`, { mode: 0o700 });
    const ino = Deno.statSync(venv).ino;
    const old = { schema: 1, dir: venv, venvDir: venv, dev: 0, ino, stampSha256: "x", stamp };
    Deno.writeTextFileSync(path, JSON.stringify(old) + "\n", { mode: 0o600 });
    assert.deepEqual(vouchedStamp(cache, venv).stamp, stamp);

    await writeRecord(cache, venv, venv, stamp, JSON.stringify(stamp));
    const bytes = Deno.readFileSync(path);
    Deno.writeFileSync(path, bytes.subarray(0, bytes.length - 3), { mode: 0o600 });
    assert.deepEqual(vouchedStamp(cache, venv), { stamp: null, why: NOT_OURS });
    assert.equal(pruneRecords(cache), 1, "gc removes what no longer reads");

    // A path start inside another path: the table is read (the warm path checks the
    // starts as it scans), but answers no question of freshness, and reads as no record.
    await writeRecord(cache, venv, venv, stamp, JSON.stringify(stamp));
    const whole = Deno.readFileSync(path);
    const table = whole.indexOf(0x0a) + 1;
    new DataView(whole.buffer).setUint32(table + 2 * 3 * 8 + 4, 1, true);
    Deno.writeFileSync(path, whole, { mode: 0o600 });
    const v = vouchedBuild(cache, venv);
    assert.ok(v.stamp !== null && !v.inputs.valid());
    assert.equal(await v.inputs.changes(), null);
    assert.deepEqual(vouchedStamp(cache, venv), { stamp: null, why: NOT_OURS });
    assert.equal(pruneRecords(cache), 1, "gc removes it");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
