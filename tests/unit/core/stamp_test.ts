import assert from "node:assert/strict";
import {
  changedInputs,
  hashInputs,
  inputChange,
  readStamp,
  recordSite,
  siteChange,
  staleReason,
  type Stamp,
  statInputs,
  writeStamp,
} from "../../../src/core/stamp.ts";
import { expandGlobs } from "../../../src/core/glob.ts";
import { PRIME_VERSION } from "../../../src/core/version.ts";

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
    assert.equal(await staleReason(stamp, venv), null);

    Deno.writeTextFileSync(`${root}/requirements.txt`, "six\nattrs\n");
    assert.equal(await staleReason(stamp, venv), `${root}/requirements.txt changed`);
    Deno.writeTextFileSync(`${root}/requirements.txt`, "six\n");
    assert.equal(await staleReason(stamp, venv), null, "an undone edit is fresh again");

    Deno.writeTextFileSync(`${root}/.python-version`, "3.12\n");
    assert.equal(await staleReason(stamp, venv), `${root}/.python-version appeared`);
    Deno.removeSync(`${root}/.python-version`);

    Deno.removeSync(`${root}/prime.toml`);
    assert.equal(await staleReason(stamp, venv), `${root}/prime.toml was removed`);
    Deno.writeTextFileSync(`${root}/prime.toml`, "dependencies = []\n");
    assert.equal(await staleReason(stamp, venv), null);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("changedInputs(): with every stat recorded nothing is hashed; absent files are found by one listing per directory", async () => {
  const { root } = await fixture();
  try {
    const absent = ["setup.py", "uv.lock", "pylock.toml"].map((f) => `${root}/${f}`);
    const paths = [`${root}/prime.toml`, `${root}/requirements.txt`, ...absent];
    const stats = statInputs(paths);
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
      await staleReason({ ...stamp, prime: "0.0.0-old" }, venv),
      "built by prime 0.0.0-old",
    );
    Deno.utimeSync(`${root}/python3.12`, new Date(1_000), new Date(1_000));
    assert.equal(
      await staleReason(stamp, venv),
      `interpreter ${root}/python3.12 was modified`,
    );
    Deno.removeSync(`${root}/python3.12`);
    assert.equal(await staleReason(stamp, venv), `interpreter ${root}/python3.12 is gone`);
    Deno.writeTextFileSync(`${root}/python3.12`, "interpreter");
    const st = Deno.statSync(`${root}/python3.12`);
    const again = { ...stamp, python: { ...stamp.python, mtimeMs: st.mtime!.getTime() } };
    assert.equal(await staleReason(again, venv), null);
    Deno.removeSync(`${venv}/bin/python`);
    assert.equal(await staleReason(again, venv), "the venv's python is missing");
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
      inputStats: statInputs(globbed),
    };
    assert.equal(await staleReason(s, venv), null);
    const keep = Deno.statSync(`${root}/src`).mtime!;
    const a = Deno.statSync(`${root}/src/a.c`).mtime!;

    // Same size and mtime: the recorded stat vouches for the content (as make's does).
    Deno.writeTextFileSync(`${root}/src/a.c`, "int b;\n");
    Deno.utimeSync(`${root}/src/a.c`, a, a);
    assert.equal(await staleReason(s, venv), null, "a stat-unchanged input is not read");
    const later = new Date(a.getTime() + 5000);
    Deno.utimeSync(`${root}/src/a.c`, later, later);
    assert.equal(await staleReason(s, venv), `${root}/src/a.c changed`);
    Deno.utimeSync(`${root}/src/a.c`, a, a);

    // A new match in a dir whose mtime is as recorded is not seen: the listing is skipped.
    Deno.writeTextFileSync(`${root}/src/b.c`, "");
    Deno.utimeSync(`${root}/src`, keep, keep);
    assert.equal(await staleReason(s, venv), null, "an unchanged walk is not listed");
    Deno.utimeSync(`${root}/src`, later, later);
    assert.equal(await staleReason(s, venv), `new input ${root}/src/b.c`);
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
