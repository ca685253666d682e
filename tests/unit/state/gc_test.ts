import assert from "node:assert/strict";
import {
  collectGarbage,
  formatBytes,
  lastUsedMs,
  listScriptEnvs,
  pickExpired,
  removeViaTrash,
} from "../../../src/state/gc.ts";
import { acquireLock, lockPathFor } from "../../../src/state/lock.ts";
import { pointerPath, writePointer } from "../../../src/core/pointer.ts";
import { routePath } from "../../../src/core/route.ts";
import { writeRoute } from "../../../src/project/workspace.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 0, 31);

/** A fake script env whose last use was `daysAgo` days before NOW. */
function fakeEnv(cache: string, name: string, daysAgo: number, marker = "prime-last-used"): string {
  const dir = `${cache}/scripts/${name}`;
  Deno.mkdirSync(`${dir}/bin`, { recursive: true });
  Deno.writeTextFileSync(`${dir}/bin/python`, "x".repeat(1000));
  Deno.writeTextFileSync(`${dir}/prime-stamp.json`, "{}");
  const old = new Date(NOW - 400 * DAY);
  Deno.utimeSync(`${dir}/prime-stamp.json`, old, old);
  if (marker !== "none") {
    const when = new Date(NOW - daysAgo * DAY);
    if (marker === "prime-last-used") Deno.writeTextFileSync(`${dir}/prime-last-used`, "");
    Deno.utimeSync(`${dir}/${marker}`, when, when);
  }
  return dir;
}

Deno.test("pickExpired() selects envs unused for more than the given days", () => {
  const envs = [
    { path: "/c/scripts/a", lastUsedMs: NOW - 31 * DAY },
    { path: "/c/scripts/b", lastUsedMs: NOW - 30 * DAY },
    { path: "/c/scripts/c", lastUsedMs: NOW - 1 * DAY },
    { path: "/c/scripts/d", lastUsedMs: NOW + DAY },
  ];
  const table: Array<[number, string[]]> = [
    [30, ["/c/scripts/a"]],
    [29.5, ["/c/scripts/a", "/c/scripts/b"]],
    [0, ["/c/scripts/a", "/c/scripts/b", "/c/scripts/c"]],
    [365, []],
  ];
  for (const [days, want] of table) {
    assert.deepEqual(pickExpired(envs, NOW, days).map((e) => e.path), want, `${days} days`);
  }
});

Deno.test("formatBytes() uses binary units with one decimal", () => {
  const table: Array<[number, string]> = [
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [5 * 1024 * 1024, "5.0 MiB"],
    [3 * 1024 ** 3, "3.0 GiB"],
  ];
  for (const [n, want] of table) assert.equal(formatBytes(n), want);
});

Deno.test("lastUsedMs() reads prime-last-used, else falls back to the stamp", async () => {
  const cache = await Deno.makeTempDir();
  const used = fakeEnv(cache, "used", 3);
  const never = fakeEnv(cache, "never", 0, "none");
  assert.equal(lastUsedMs(used), NOW - 3 * DAY);
  assert.equal(lastUsedMs(never), NOW - 400 * DAY);
  assert.deepEqual(listScriptEnvs(cache).map((e) => e.path), [never, used]);
});

Deno.test("collectGarbage() removes old unlocked envs, keeps fresh and locked ones", async () => {
  const cache = await Deno.makeTempDir();
  const old = fakeEnv(cache, "old", 45);
  const stampOnly = fakeEnv(cache, "stamp-only", 0, "none");
  const fresh = fakeEnv(cache, "fresh", 2);
  const busy = fakeEnv(cache, "busy", 90);
  const lock = await acquireLock(await lockPathFor(cache, busy), 1);
  try {
    const r = await collectGarbage(cache, { olderThanDays: 30, nowMs: NOW });
    assert.deepEqual(r.removed.map((e) => e.path).sort(), [old, stampOnly].sort());
    assert.deepEqual(r.busy.map((e) => e.path), [busy]);
    assert.equal(r.kept, 1);
    assert.ok(r.bytes >= 2000, `freed ${r.bytes} bytes`);
    const left = [...Deno.readDirSync(`${cache}/scripts`)].map((e) => e.name).sort();
    assert.deepEqual(left, ["busy", "fresh"], "nothing else, not even trash, is left");
    Deno.statSync(fresh);
  } finally {
    lock.release();
  }
});

Deno.test("collectGarbage() drops pointers to gone venvs and leftover trash", async () => {
  const cache = await Deno.makeTempDir();
  const kept = fakeEnv(cache, "kept", 1);
  const keepPtr = pointerPath(cache, {
    kind: "script",
    subject: "a",
    envRequest: "",
    pythonOverride: "",
    driverOverride: "",
  });
  const orphanPtr = pointerPath(cache, {
    kind: "repo",
    subject: "/gone",
    envRequest: "",
    pythonOverride: "",
    driverOverride: "",
  });
  writePointer(keepPtr, kept);
  writePointer(orphanPtr, `${cache}/scripts/vanished`);
  Deno.writeTextFileSync(`${cache}/pointers/garbage.json`, "not json");
  // A workspace member's route is kept while its dirs exist.
  const ws = await Deno.realPath(await Deno.makeTempDir());
  Deno.mkdirSync(`${ws}/member`);
  Deno.writeTextFileSync(`${ws}/prime.toml`, "");
  Deno.writeTextFileSync(`${ws}/member/pyproject.toml`, "");
  await writeRoute(cache, `${ws}/member`, ws);
  await writeRoute(cache, `${ws}/gone`, ws);
  const keepRoute = routePath(cache, `${ws}/member`);
  const goneRoute = routePath(cache, `${ws}/gone`);
  Deno.mkdirSync(`${cache}/scripts/.trash-x-1-abc/bin`, { recursive: true });
  const r = await collectGarbage(cache, { olderThanDays: 30, nowMs: NOW });
  assert.deepEqual(
    r.pointers.sort(),
    [orphanPtr, goneRoute, `${cache}/pointers/garbage.json`].sort(),
  );
  assert.deepEqual(r.trash, [`${cache}/scripts/.trash-x-1-abc`]);
  assert.deepEqual(
    [...Deno.readDirSync(`${cache}/pointers`)].map((e) => e.name).sort(),
    [keepPtr, keepRoute].map((p) => p.slice(p.lastIndexOf("/") + 1)).sort(),
  );
});

Deno.test("collectGarbage() on an empty or missing cache removes nothing", async () => {
  const cache = `${await Deno.makeTempDir()}/missing`;
  const r = await collectGarbage(cache, { olderThanDays: 0 });
  assert.deepEqual([r.removed.length, r.busy.length, r.kept, r.pointers.length], [0, 0, 0, 0]);
});

Deno.test("removeViaTrash() renames into the trash dir, then deletes; false when missing", async () => {
  const root = await Deno.makeTempDir();
  Deno.mkdirSync(`${root}/venv/lib`, { recursive: true });
  assert.equal(removeViaTrash(`${root}/venv`, `${root}/.prime`), true);
  assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name), [".prime"]);
  assert.deepEqual([...Deno.readDirSync(`${root}/.prime`)], []);
  assert.equal(removeViaTrash(`${root}/venv`, `${root}/.prime`), false);
});

Deno.test("collectGarbage() removes generations no link points at unless a program uses them", async () => {
  const cache = await Deno.makeTempDir();
  const gens = `${cache}/scripts/.prime`;
  for (const name of ["k.gaaa", "k.gbbb", "k.gccc", "old.previous"]) {
    Deno.mkdirSync(`${gens}/${name}/bin`, { recursive: true });
    Deno.writeTextFileSync(`${gens}/${name}/pyvenv.cfg`, "home = /x\n");
    Deno.writeTextFileSync(`${gens}/${name}/prime-in-use.lock`, "");
    Deno.writeTextFileSync(`${gens}/${name}/prime-last-used`, "");
  }
  Deno.symlinkSync(".prime/k.gaaa", `${cache}/scripts/k`);
  // A running program's shared lock on k.gccc, as prime takes it before exec.
  const held = await Deno.open(`${gens}/k.gccc/prime-in-use.lock`, { read: true });
  await held.lock(false);
  try {
    const report = await collectGarbage(cache, { olderThanDays: 30 });
    assert.deepEqual(
      report.removed.map((r) => r.path.slice(gens.length + 1)).sort(),
      ["k.gbbb", "old.previous"],
    );
    assert.deepEqual([...Deno.readDirSync(gens)].map((e) => e.name).sort(), [
      "k.gaaa",
      "k.gccc",
    ]);
  } finally {
    held.close();
  }
  await Deno.remove(cache, { recursive: true });
});
