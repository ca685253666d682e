import assert from "node:assert/strict";
import { expandGlobs, globToRegExp, rewalkChanged } from "../../../src/core/glob.ts";
import { isUvMember } from "../../../src/config/uv_workspace.ts";

// Globs of declared inputs and workspace members.

Deno.test("globToRegExp() keeps * and ? inside a segment and lets ** span segments", () => {
  const cases: [string, string, boolean][] = [
    ["src/**/*.c", "src/a.c", true],
    ["src/**/*.c", "src/x/y/a.c", true],
    ["src/**/*.c", "src/x/a.h", false],
    ["src/**/*.c", "lib/a.c", false],
    ["*.in", "requirements.in", true],
    ["*.in", "sub/requirements.in", false],
    ["./req?.txt", "req1.txt", true],
    ["req[0-9].txt", "reqa.txt", false],
    ["req[!0-9].txt", "reqa.txt", true],
    ["packages/*", "packages/a", true],
    ["packages/*", "packages/a/b", false],
    ["data/**", "data/x/y", true],
    ["a.b", "axb", false],
  ];
  for (const [glob, path, want] of cases) {
    assert.equal(globToRegExp(glob).test(path), want, `${glob} vs ${path}`);
  }
});

Deno.test("expandGlobs() finds files, skips venvs and .git, and takes literal paths", () => {
  const root = Deno.realPathSync(Deno.makeTempDirSync());
  for (const d of ["src/x", ".venv/lib", ".git", "src/.venv2"]) {
    Deno.mkdirSync(`${root}/${d}`, { recursive: true });
  }
  for (const f of ["src/a.c", "src/x/b.c", "src/x/b.h", ".venv/lib/c.c", ".git/d.c", "req.in"]) {
    Deno.writeTextFileSync(`${root}/${f}`, "");
  }
  Deno.writeTextFileSync(`${root}/src/.venv2/pyvenv.cfg`, "");
  Deno.writeTextFileSync(`${root}/.venv/pyvenv.cfg`, "");
  Deno.writeTextFileSync(`${root}/src/.venv2/e.c`, "");
  assert.deepEqual(expandGlobs(root, ["**/*.c", "req.in", "missing.txt"]), [
    `${root}/req.in`,
    `${root}/src/a.c`,
    `${root}/src/x/b.c`,
  ]);
});

Deno.test("isUvMember() matches members and honours exclude", () => {
  const ws = { members: ["packages/*", "tools/cli"], exclude: ["packages/legacy"] };
  assert.equal(isUvMember("packages/a", ws), true);
  assert.equal(isUvMember("packages/legacy", ws), false);
  assert.equal(isUvMember("tools/cli", ws), true);
  assert.equal(isUvMember("tools/other", ws), false);
});

Deno.test("rewalkChanged() lists again only the walked directories that changed, walks a new one whole, and leaves the rest to a whole expansion", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "prime-glob-" }));
  try {
    for (const d of ["src/a", "src/b"]) Deno.mkdirSync(`${root}/${d}`, { recursive: true });
    Deno.writeTextFileSync(`${root}/src/a/x.c`, "");
    Deno.writeTextFileSync(`${root}/src/b/y.c`, "");
    const globs = ["src/**/*.c"];
    const snapshot = () => {
      const dirs: Record<string, number> = {};
      expandGlobs(root, globs, dirs);
      return dirs;
    };
    const later = (d: string) =>
      Deno.utimeSync(`${root}/${d}`, new Date(), new Date(Date.now() + 5000));
    let dirs = snapshot();
    assert.deepEqual(rewalkChanged(root, globs, dirs), [], "nothing changed");
    assert.equal(rewalkChanged(root, globs, undefined), null, "no walk recorded");

    // An editor's swap file: src/a is listed again, src/b is not.
    // (Each change is given a later mtime: one in the clock tick of the snapshot's own
    // would not show.)
    Deno.writeTextFileSync(`${root}/src/a/.x.c.swp`, "");
    later("src/a");
    Deno.writeTextFileSync(`${root}/src/b/z.c`, "");
    Deno.utimeSync(`${root}/src/b`, new Date(), new Date(dirs[`${root}/src/b`]));
    assert.deepEqual(rewalkChanged(root, globs, dirs), [`${root}/src/a/x.c`]);
    Deno.writeTextFileSync(`${root}/src/a/w.c`, "");
    assert.deepEqual(rewalkChanged(root, globs, dirs), [`${root}/src/a/w.c`, `${root}/src/a/x.c`]);
    dirs = snapshot();

    // A new directory is walked whole.
    Deno.mkdirSync(`${root}/src/a/new/deeper`, { recursive: true });
    Deno.writeTextFileSync(`${root}/src/a/new/deeper/n.c`, "");
    later("src/a");
    assert.ok(rewalkChanged(root, globs, dirs)!.includes(`${root}/src/a/new/deeper/n.c`));
    dirs = snapshot();

    // A walked directory replaced by a link, or made a venv: a whole expansion decides.
    Deno.renameSync(`${root}/src/b`, `${root}/b-real`);
    Deno.symlinkSync(`${root}/b-real`, `${root}/src/b`);
    later("src");
    assert.equal(rewalkChanged(root, globs, dirs), null, "a link");
    Deno.removeSync(`${root}/src/b`);
    Deno.renameSync(`${root}/b-real`, `${root}/src/b`);
    dirs = snapshot();
    Deno.writeTextFileSync(`${root}/src/b/pyvenv.cfg`, "");
    later("src/b");
    assert.equal(rewalkChanged(root, globs, dirs), null, "a venv");
    Deno.removeSync(`${root}/src/b/pyvenv.cfg`);
    dirs = snapshot();
    later("src/b");
    assert.equal(rewalkChanged(root, ["src/**/*.c", "*.txt"], dirs), null, "two walks");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
