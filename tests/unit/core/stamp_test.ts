import assert from "node:assert/strict";
import {
  changedInputs,
  hashInputs,
  inputChange,
  InputTable,
  readStamp,
  recordSite,
  settleStats,
  siteChange,
  staleReason,
  type Stamp,
  statInputs,
  writeStamp,
} from "../../../src/core/stamp.ts";
import { expandGlobs } from "../../../src/core/glob.ts";
import { libcStatx } from "../../../src/core/exec.ts";
import { FINE_RACY_MS, RACY_MS } from "../../../src/core/files.ts";
import { PRIME_VERSION } from "../../../src/core/version.ts";
import { need, requires } from "../../helpers/requires.ts";

/** A build a minute after its files were written: their stats are past any clock tick (RACY_MS). */
const builtLater = () => Date.now() + 60_000;

/** staleReason() of a whole stamp (a build record passes its table). */
function stale(stamp: Stamp, venv: string) {
  return staleReason(stamp, venv, InputTable.of(stamp));
}

/** A venv dir with a python, a base "interpreter" file, two inputs and one absent input. */
async function fixture() {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "prime-stamp-" }));
  const venv = `${root}/.venv`;
  Deno.mkdirSync(`${venv}/bin`, { recursive: true });
  Deno.writeTextFileSync(`${venv}/bin/python`, "", { mode: 0o755 });
  Deno.writeTextFileSync(`${root}/python3.12`, "interpreter");
  Deno.writeTextFileSync(`${root}/prime.toml`, "dependencies = []\n");
  Deno.writeTextFileSync(`${root}/requirements.txt`, "six\n");
  const st = Deno.statSync(`${root}/python3.12`);
  const paths = [`${root}/prime.toml`, `${root}/requirements.txt`, `${root}/.python-version`];
  const stamp: Stamp = {
    schema: 1,
    prime: PRIME_VERSION,
    fingerprint: "fp",
    driver: "venv_pip",
    toolVersion: "test",
    createdAt: new Date(0).toISOString(),
    inputs: await hashInputs(paths),
    python: {
      realPath: `${root}/python3.12`,
      mtimeMs: st.mtime!.getTime(),
      size: st.size,
      version: "3.12.1",
      implementation: "cpython",
    },
    run: { refRoot: root, env: null, vars: {}, varsFiles: [] },
  };
  writeStamp(venv, stamp);
  return { root, venv, stamp };
}

Deno.test("staleReason(): a stamp that matches its files is fresh; each kind of change is named", async () => {
  const { root, venv, stamp } = await fixture();
  try {
    assert.deepEqual(readStamp(venv), stamp, "the stamp reads back as written");
    assert.equal(await stale(stamp, venv), null);

    Deno.writeTextFileSync(`${root}/requirements.txt`, "six\nattrs\n");
    assert.equal(await stale(stamp, venv), `${root}/requirements.txt changed`);
    Deno.writeTextFileSync(`${root}/requirements.txt`, "six\n");
    assert.equal(await stale(stamp, venv), null, "an undone edit is fresh again");

    Deno.writeTextFileSync(`${root}/.python-version`, "3.12\n");
    assert.equal(await stale(stamp, venv), `${root}/.python-version appeared`);
    Deno.removeSync(`${root}/.python-version`);

    Deno.removeSync(`${root}/prime.toml`);
    assert.equal(await stale(stamp, venv), `${root}/prime.toml was removed`);
    Deno.writeTextFileSync(`${root}/prime.toml`, "dependencies = []\n");
    assert.equal(await stale(stamp, venv), null);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("changedInputs(): with every stat recorded nothing is hashed; absent files are found by one listing per directory", async () => {
  const { root } = await fixture();
  try {
    const absent = ["setup.py", "uv.lock", "pylock.toml"].map((f) => `${root}/${f}`);
    const paths = [`${root}/prime.toml`, `${root}/requirements.txt`, ...absent];
    const stats = statInputs(paths, builtLater());
    const inputs = await hashInputs(paths);
    const missingDir = [`${root}/nodir/a.txt`, `${root}/nodir/b.txt`];
    const all = [...inputs, ...missingDir.map((path) => ({ path, sha256: null }))];
    assert.deepEqual(await changedInputs(all, stats), [[], []], "nothing read, nothing hashed");
    // A new file beside the absent ones: seen in the listing.
    Deno.writeTextFileSync(`${root}/uv.lock`, "");
    Deno.mkdirSync(`${root}/nodir`);
    Deno.writeTextFileSync(`${root}/nodir/b.txt`, "");
    const [was, now] = await changedInputs(all, stats);
    assert.deepEqual(was.map((i) => i.path), [`${root}/uv.lock`, `${root}/nodir/b.txt`]);
    assert.equal(inputChange(was, now), `${root}/uv.lock appeared`);
    // The same size and mtime but another file (an editor's rename): the inode differs.
    const st = Deno.statSync(`${root}/prime.toml`);
    Deno.writeTextFileSync(`${root}/prime.toml.new`, "dependencies = []\n");
    Deno.renameSync(`${root}/prime.toml.new`, `${root}/prime.toml`);
    Deno.utimeSync(`${root}/prime.toml`, st.atime!, st.mtime!);
    const [maybe] = await changedInputs(inputs, stats);
    assert.ok(maybe.some((i) => i.path === `${root}/prime.toml`), "hashed again: a new inode");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("staleReason(): the interpreter, the venv's python and prime's version count too", async () => {
  const { root, venv, stamp } = await fixture();
  try {
    assert.equal(
      await stale({ ...stamp, prime: "0.0.0-old" }, venv),
      "built by prime 0.0.0-old",
    );
    Deno.utimeSync(`${root}/python3.12`, new Date(1_000), new Date(1_000));
    assert.equal(
      await stale(stamp, venv),
      `interpreter ${root}/python3.12 was modified`,
    );
    Deno.removeSync(`${root}/python3.12`);
    assert.equal(await stale(stamp, venv), `interpreter ${root}/python3.12 is gone`);
    Deno.writeTextFileSync(`${root}/python3.12`, "interpreter");
    const st = Deno.statSync(`${root}/python3.12`);
    const again = { ...stamp, python: { ...stamp.python, mtimeMs: st.mtime!.getTime() } };
    assert.equal(await stale(again, venv), null);
    Deno.removeSync(`${venv}/bin/python`);
    assert.equal(await stale(again, venv), "the venv's python is missing");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("staleReason(): an input whose stat is unchanged is not hashed, and an unchanged walk is not listed", async () => {
  const { root, venv, stamp } = await fixture();
  try {
    Deno.mkdirSync(`${root}/src`);
    Deno.writeTextFileSync(`${root}/src/a.c`, "int a;\n");
    const dirs: Record<string, number> = {};
    const globbed = expandGlobs(root, ["src/*.c"], dirs);
    const s: Stamp = {
      ...stamp,
      inputs: [...stamp.inputs, ...await hashInputs(globbed)],
      inputGlobs: { root, patterns: ["src/*.c"], dirs },
      inputStats: statInputs(globbed, builtLater()),
    };
    assert.equal(await stale(s, venv), null);
    const keep = Deno.statSync(`${root}/src`).mtime!;
    const a = Deno.statSync(`${root}/src/a.c`).mtime!;

    // Same size and mtime: the recorded stat vouches for the content (as make's does).
    Deno.writeTextFileSync(`${root}/src/a.c`, "int b;\n");
    Deno.utimeSync(`${root}/src/a.c`, a, a);
    assert.equal(await stale(s, venv), null, "a stat-unchanged input is not read");
    const later = new Date(a.getTime() + 5000);
    Deno.utimeSync(`${root}/src/a.c`, later, later);
    assert.equal(await stale(s, venv), `${root}/src/a.c changed`);
    Deno.utimeSync(`${root}/src/a.c`, a, a);

    // A new match in a dir whose mtime is as recorded is not seen: the listing is skipped.
    Deno.writeTextFileSync(`${root}/src/b.c`, "");
    Deno.utimeSync(`${root}/src`, keep, keep);
    assert.equal(await stale(s, venv), null, "an unchanged walk is not listed");
    Deno.utimeSync(`${root}/src`, later, later);
    assert.equal(await stale(s, venv), `new input ${root}/src/b.c`);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("inputChange(): a path the stamp never saw is a new input", () => {
  assert.equal(inputChange([], [{ path: "/a", sha256: null }]), "new input /a");
  assert.equal(inputChange([{ path: "/a", sha256: "x" }], [{ path: "/a", sha256: "x" }]), null);
});

Deno.test("readStamp(): garbage, another schema or no stamp at all read as null", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(readStamp(dir), null);
    Deno.writeTextFileSync(`${dir}/prime-stamp.json`, "{not json");
    assert.equal(readStamp(dir), null);
    Deno.writeTextFileSync(
      `${dir}/prime-stamp.json`,
      JSON.stringify({ schema: 2, fingerprint: "x" }),
    );
    assert.equal(readStamp(dir), null);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
Deno.test("siteChange() is one stat while site-packages is untouched, and names what another tool added or removed", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  const sp = `${root}/lib/python3.12/site-packages`;
  await Deno.mkdir(`${sp}/pytest-8.0.dist-info`, { recursive: true });
  await Deno.mkdir(`${sp}/Rich_Text-1.0.dist-info`);
  await Deno.mkdir(`${sp}/pip-24.0.dist-info`);
  const site = recordSite(root)!;
  assert.deepEqual(site.dists, ["pytest==8.0", "rich-text==1.0"]);
  assert.equal(siteChange(site), null);
  // The build made site-packages/__pycache__, so Python's first .pyc there leaves the
  // directory's mtime as recorded.
  await Deno.writeTextFile(`${sp}/__pycache__/six.cpython-312.pyc`, "");
  assert.equal(Deno.statSync(sp).mtime?.getTime(), site.mtimeMs);
  // A dropped pip changes the mtime, not the distributions.
  await Deno.remove(`${sp}/pip-24.0.dist-info`);
  assert.equal(siteChange({ ...site, mtimeMs: site.mtimeMs - 1 }), null);
  await Deno.remove(`${sp}/pytest-8.0.dist-info`);
  await Deno.mkdir(`${sp}/ruff-0.1.dist-info`);
  assert.match(siteChange({ ...site, mtimeMs: -1 })!, /-pytest==8\.0, \+ruff==0\.1/);
  assert.equal(siteChange(undefined), null);
  await Deno.remove(root, { recursive: true });
});

Deno.test("InputTable: a table reads back as the stamp's inputs and stats, any path bytes included", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "prime-table-" }));
  try {
    const paths = [`${root}/a.txt`, `${root}/dé jà\t.txt`, `${root}/missing.toml`];
    Deno.writeTextFileSync(paths[0], "a\n");
    Deno.writeTextFileSync(paths[1], "b\n");
    const inputs = await hashInputs(paths);
    const inputStats = statInputs(paths, builtLater());
    const bytes = InputTable.of({ inputs, inputStats }).encode();
    const t = InputTable.decode(bytes, 3)!;
    assert.deepEqual(t.toStamp(), { inputs, inputStats });
    // Read in place when 8-byte aligned (a record pads its line so), else copied.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    assert.deepEqual(InputTable.decode(shifted.subarray(1), 3)!.toStamp(), { inputs, inputStats });
    assert.deepEqual(t.paths(), paths);
    assert.deepEqual([t.absent(0), t.absent(2)], [false, true]);
    assert.deepEqual(await t.changes(), [[], []], "nothing changed, nothing hashed");
    const empty = InputTable.decode(InputTable.of({ inputs: [] }).encode(), 0)!;
    assert.deepEqual(empty.toStamp(), { inputs: [], inputStats: {} });
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("InputTable.decode() refuses bytes that are not a table of n inputs; a path start out of order answers no question of freshness", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "prime-table-" }));
  try {
    const paths = [`${root}/a`, `${root}/b`, `${root}/c`];
    const bytes = InputTable.of({ inputs: await hashInputs(paths) }).encode();
    assert.ok(InputTable.decode(bytes, 3)?.valid());
    assert.ok(!(InputTable.decode(bytes, 4)?.valid() ?? false), "another count");
    assert.equal(InputTable.decode(bytes.subarray(0, bytes.length - 1), 3), null, "no last NUL");
    assert.equal(InputTable.decode(bytes.subarray(0, 100), 3), null, "cut short");
    const starts = 3 * 3 * 8; // after the stats column
    const swapped = bytes.slice();
    swapped.set(bytes.subarray(starts, starts + 4), starts + 4);
    swapped.set(bytes.subarray(starts + 4, starts + 8), starts + 8);
    assert.ok(!InputTable.decode(swapped, 3)!.valid(), "a path start out of order");
    assert.equal(await InputTable.decode(swapped, 3)!.changes(), null);
    const inside = bytes.slice();
    new DataView(inside.buffer).setUint32(starts + 8, 3, true); // inside the first path
    assert.ok(!InputTable.decode(inside, 3)!.valid(), "a path start inside a path");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

/** statx is Linux's: elsewhere the table uses Deno.statSync, which the tests above cover. */
const statx = requires(need(Deno.build.os === "linux", "statx is Linux's"));

Deno.test({
  name:
    "InputTable.changes() over thousands of inputs (statx) sees what a stat would, and the hash decides" +
    statx.why,
  ignore: statx.ignore,
  async fn() {
    const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "prime-table-" }));
    try {
      const paths: string[] = [];
      for (let d = 0; d < 12; d++) {
        Deno.mkdirSync(`${root}/d${d}`);
        for (let f = 0; f < 100; f++) {
          const p = `${root}/d${d}/f${f}.c`;
          Deno.writeTextFileSync(p, `int f${d}_${f};\n`);
          paths.push(p);
        }
      }
      paths.push(`${root}/absent.txt`);
      Deno.mkdirSync(`${root}/naïve dir`);
      Deno.writeTextFileSync(`${root}/naïve dir/café\n.c`, "int c;\n");
      paths.push(`${root}/naïve dir/café\n.c`);
      assert.ok(libcStatx(), "statx is bound (else this would test Deno.statSync again)");
      const stamp = {
        inputs: await hashInputs(paths),
        inputStats: statInputs(paths, builtLater()),
      };
      const table = () => InputTable.decode(InputTable.of(stamp).encode(), paths.length)!;
      const changed = async () => {
        const [was, now] = (await table().changes())!;
        return { read: was.map((i) => i.path.slice(root.length)), why: inputChange(was, now) };
      };
      assert.deepEqual(await changed(), { read: [], why: null }, "unchanged: nothing read");

      // Touched, not edited: read again (the stat differs), and the same content is fresh.
      const a = `${root}/d3/f7.c`;
      const st = Deno.statSync(a);
      Deno.utimeSync(a, st.atime!, new Date(st.mtime!.getTime() + 5000));
      assert.deepEqual(await changed(), { read: ["/d3/f7.c"], why: null });
      // Edited with its size and mtime put back, in place (the same inode): the stat
      // signature vouches for the content, as make's does, so it is not read.
      Deno.utimeSync(a, st.atime!, st.mtime!);
      Deno.writeTextFileSync(a, "int f3_X;\n");
      Deno.utimeSync(a, st.atime!, st.mtime!);
      assert.deepEqual(await changed(), { read: [], why: null });
      // The same size and mtime on another file (a safe-write's rename): another inode.
      Deno.writeTextFileSync(`${a}.new`, "int f3_Y;\n");
      Deno.renameSync(`${a}.new`, a);
      Deno.utimeSync(a, st.atime!, st.mtime!);
      assert.deepEqual(await changed(), { read: ["/d3/f7.c"], why: `${a} changed` });
      Deno.writeTextFileSync(a, "int f3_7;\n");
      stamp.inputStats = statInputs(paths, builtLater());

      Deno.writeTextFileSync(`${root}/d0/f0.c`, "int f0_0 = 1;\n");
      assert.equal((await changed()).why, `${root}/d0/f0.c changed`);
      Deno.writeTextFileSync(`${root}/d0/f0.c`, "int f0_0;\n");
      stamp.inputStats = statInputs(paths, builtLater());
      Deno.removeSync(`${root}/d11/f99.c`);
      assert.equal((await changed()).why, `${root}/d11/f99.c was removed`);
      Deno.mkdirSync(`${root}/d11/f99.c`);
      assert.deepEqual((await changed()).read, ["/d11/f99.c"], "a directory is not the file");
      Deno.removeSync(`${root}/d11/f99.c`);
      Deno.writeTextFileSync(`${root}/d11/f99.c`, "int f11_99;\n");
      Deno.writeTextFileSync(`${root}/naïve dir/café\n.c`, "int c = 1;\n");
      assert.equal((await changed()).why, `${root}/naïve dir/café\n.c changed`);
      Deno.writeTextFileSync(`${root}/naïve dir/café\n.c`, "int c;\n");
      stamp.inputStats = statInputs(paths, builtLater());
      Deno.writeTextFileSync(`${root}/absent.txt`, "");
      assert.equal((await changed()).why, `${root}/absent.txt appeared`);

      // A path start moved inside another path: the scan, which checks the starts as it
      // goes, answers nothing (the warm path goes cold), and the table is not valid().
      const bytes = InputTable.of(stamp).encode();
      const at = paths.length * 3 * 8 + 4 * 700; // input 700's start
      const view = new DataView(bytes.buffer);
      view.setUint32(at, view.getUint32(at, true) + 2, true);
      const damaged = InputTable.decode(bytes, paths.length)!;
      assert.equal(await damaged.changes(), null);
      assert.ok(!damaged.valid());
      // Asked valid() first (gc, vouchedStamp), then changes(): still no answer.
      const checked = InputTable.decode(bytes, paths.length)!;
      assert.ok(!checked.valid());
      assert.equal(await checked.changes(), null, "changes() after valid() said no");
      assert.ok(!checked.valid(), "still not valid() after changes()");
    } finally {
      Deno.removeSync(root, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "staleReason() over 1,000 globbed inputs (statx for the files and the walk's directories) sees a link, a renamed directory, a new inode and a new match" +
    statx.why,
  ignore: statx.ignore,
  async fn() {
    const { root, venv, stamp } = await fixture();
    try {
      for (let d = 0; d < 10; d++) {
        Deno.mkdirSync(`${root}/src/d${d}`, { recursive: true });
        for (let f = 0; f < 100; f++) {
          Deno.writeTextFileSync(`${root}/src/d${d}/f${f}.c`, `int f${f};\n`);
        }
      }
      const dirs: Record<string, number> = {};
      const globbed = expandGlobs(root, ["src/**/*.c"], dirs);
      assert.equal(globbed.length, 1000);
      const s: Stamp = {
        ...stamp,
        inputs: [...stamp.inputs, ...await hashInputs(globbed)],
        inputGlobs: { root, patterns: ["src/**/*.c"], dirs },
        inputStats: statInputs(globbed, builtLater()),
      };
      assert.ok(libcStatx(), "statx is bound (else this would test Deno.statSync again)");
      assert.equal(await stale(s, venv), null);
      const keep = (p: string) => {
        const st = Deno.statSync(p);
        return () => Deno.utimeSync(p, st.atime!, st.mtime!);
      };

      // A file replaced by a link to the same content: read through the link, still fresh;
      // to other content, changed.
      const a = `${root}/src/d2/f5.c`;
      const d2 = keep(`${root}/src/d2`);
      Deno.writeTextFileSync(`${root}/elsewhere.c`, "int f5;\n");
      Deno.removeSync(a);
      Deno.symlinkSync(`${root}/elsewhere.c`, a);
      d2();
      assert.equal(await stale(s, venv), null, "the same content through a link");
      Deno.writeTextFileSync(`${root}/elsewhere.c`, "int g5;\n");
      assert.equal(await stale(s, venv), `${a} changed`);
      Deno.removeSync(a);
      Deno.writeTextFileSync(a, "int f5;\n");
      d2();

      // Deleted, and a file of the same size made in its place: a new mtime.
      const b = `${root}/src/d7/f70.c`;
      const bTimes = keep(b);
      const d7 = keep(`${root}/src/d7`);
      Deno.removeSync(b);
      Deno.writeTextFileSync(b, "int X70;\n");
      d7();
      assert.equal(await stale(s, venv), `${b} changed`);
      // The same size and mtime on another file moved over it (a safe-write's rename): another
      // inode, so it is read, and the hash decides.
      Deno.writeTextFileSync(`${root}/src/d7/other`, "int Y70;\n");
      Deno.renameSync(`${root}/src/d7/other`, b);
      bTimes();
      d7();
      assert.equal(await stale(s, venv), `${b} changed`);
      Deno.writeTextFileSync(b, "int f70;\n");
      s.inputStats = statInputs(globbed, builtLater());
      s.inputGlobs!.dirs = {};
      expandGlobs(root, ["src/**/*.c"], s.inputGlobs!.dirs);
      assert.equal(await stale(s, venv), null);

      // A new match where the walked directory's mtime is kept is not seen (one stat of
      // the directory vouches for its entries); once the mtime moves, it is.
      const src = keep(`${root}/src/d4`);
      Deno.writeTextFileSync(`${root}/src/d4/new.c`, "");
      src();
      assert.equal(await stale(s, venv), null, "an unchanged directory is not listed");
      Deno.utimeSync(`${root}/src/d4`, new Date(), new Date(Date.now() + 5000));
      assert.equal(await stale(s, venv), `new input ${root}/src/d4/new.c`);
      Deno.removeSync(`${root}/src/d4/new.c`);

      // A directory renamed: its files are new inputs, and the old ones are gone.
      Deno.renameSync(`${root}/src/d9`, `${root}/src/e9`);
      assert.equal(await stale(s, venv), `new input ${root}/src/e9/f0.c`);
      Deno.renameSync(`${root}/src/e9`, `${root}/src/x9`);
      Deno.mkdirSync(`${root}/src/e9`);
      Deno.renameSync(`${root}/src/x9`, `${root}/src/e9/d9`);
      assert.match((await stale(s, venv))!, /new input .*\/src\/e9\/d9\/f0\.c/);
    } finally {
      Deno.removeSync(root, { recursive: true });
    }
  },
});

Deno.test("staleReason(): an input its glob no longer reaches (its directory replaced by a link, or made a venv) is stale, though the file through the link is the same", async () => {
  const { root, venv, stamp } = await fixture();
  try {
    Deno.mkdirSync(`${root}/src/lib`, { recursive: true });
    Deno.writeTextFileSync(`${root}/src/lib/a.c`, "int a;\n");
    const dirs: Record<string, number> = {};
    const globbed = expandGlobs(root, ["src/**/*.c"], dirs);
    const s: Stamp = {
      ...stamp,
      inputs: [...stamp.inputs, ...await hashInputs(globbed)],
      inputGlobs: { root, patterns: ["src/**/*.c"], dirs },
      inputStats: statInputs(globbed, builtLater()),
    };
    assert.equal(await stale(s, venv), null);
    Deno.renameSync(`${root}/src/lib`, `${root}/lib-copy`);
    Deno.symlinkSync(`${root}/lib-copy`, `${root}/src/lib`);
    assert.equal(await stale(s, venv), `${root}/src/lib/a.c is no longer an input`);
    assert.deepEqual(expandGlobs(root, ["src/**/*.c"]), [], "the cold path's globs agree");
    Deno.removeSync(`${root}/src/lib`);
    assert.equal(await stale(s, venv), `${root}/src/lib/a.c was removed`);
    // A directory made a venv: the walk does not enter it either.
    Deno.renameSync(`${root}/lib-copy`, `${root}/src/lib`);
    assert.equal(await stale(s, venv), null);
    Deno.writeTextFileSync(`${root}/src/lib/pyvenv.cfg`, "home = /usr/bin\n");
    assert.equal(await stale(s, venv), `${root}/src/lib/a.c is no longer an input`);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("staleReason(): an input a glob fits but its walk never reached (a `prime use` choice under `.prime/`) stays fresh when a walked directory changes", async () => {
  const { root, venv, stamp } = await fixture();
  try {
    Deno.mkdirSync(`${root}/.prime`);
    Deno.writeTextFileSync(`${root}/.prime/env`, "dev\n");
    const dirs: Record<string, number> = {};
    const globbed = expandGlobs(root, ["**/*"], dirs);
    assert.ok(!globbed.includes(`${root}/.prime/env`), "the walk skips .prime");
    const recorded = [...globbed, `${root}/.prime/env`];
    const s: Stamp = {
      ...stamp,
      inputs: [
        ...stamp.inputs.filter((i) => !recorded.includes(i.path)),
        ...await hashInputs(recorded),
      ],
      inputGlobs: { root, patterns: ["**/*"], dirs },
      inputStats: statInputs(recorded, builtLater()),
    };
    // The root's mtime moves (an entry came and went): the globs are expanded again.
    Deno.utimeSync(root, new Date(), new Date(Date.now() + 5000));
    assert.equal(await stale(s, venv), null);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("statInputs() records no stat for a file changed too recently (isUnsettled): 20 ms on a fine-grained file system, 3 s where times are whole seconds; the warm path hashes it", async () => {
  const { root } = await fixture();
  try {
    const path = `${root}/prime.toml`;
    for (
      const [mtime, window] of [[1_700_000_000_123, FINE_RACY_MS], [1_700_000_000_000, RACY_MS]]
    ) {
      Deno.utimeSync(path, new Date(mtime), new Date(mtime));
      assert.deepEqual(statInputs([path], mtime + window), {}, `in the ${window} ms window`);
      assert.deepEqual(statInputs([path], mtime - 1), {}, "ahead of the clock");
      assert.equal(statInputs([path], mtime + window + 1)[path][0], mtime, "past it");
    }
    const mtime = 1_700_000_000_123;
    Deno.utimeSync(path, new Date(mtime), new Date(mtime));
    // Not trusted, the file is hashed; the hash decides, so unchanged it stays fresh.
    const inputs = await hashInputs([path]);
    const [before, now] = await changedInputs(inputs, statInputs([path], mtime));
    assert.deepEqual(now, inputs, "hashed");
    assert.equal(inputChange(before, now), null, "and fresh");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("settleStats(): at the build's end, an input past the window (isUnsettled) by now is hashed again and its stat recorded if unchanged; a changed or still recent one gets none", async () => {
  const { root } = await fixture();
  try {
    const [settled, edited, recent] = ["a.txt", "b.txt", "c.txt"].map((f) => `${root}/${f}`);
    for (const p of [settled, edited, recent]) Deno.writeTextFileSync(p, "one\n");
    const inputs = await hashInputs([settled, edited, recent]);
    // None recorded at the build's start (as if each was within the window then); at
    // its end two are a minute old, one (edited since) with other content, and one is
    // still unsettled (ahead of the clock counts as too recent).
    const old = new Date(Date.now() - 60_000);
    Deno.writeTextFileSync(edited, "two\n");
    for (const p of [settled, edited]) Deno.utimeSync(p, old, old);
    const ahead = new Date(Date.now() + 60_000);
    Deno.utimeSync(recent, ahead, ahead);
    const out = await settleStats(inputs, {});
    assert.deepEqual(Object.keys(out), [settled], "only the unchanged, settled one");
    const st = Deno.statSync(settled);
    assert.deepEqual(out[settled], [old.getTime(), st.size, st.ino]);
    // Stats the build recorded are kept as they are.
    const kept = { [recent]: [1, 2, 3] };
    assert.deepEqual(await settleStats(inputs, kept), { ...kept, [settled]: out[settled] });
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
