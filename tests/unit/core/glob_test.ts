import assert from "node:assert/strict";
import { expandGlobs, globToRegExp } from "../../../src/core/glob.ts";
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
