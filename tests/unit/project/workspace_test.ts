import assert from "node:assert/strict";
import { findWorkspaceRoot } from "../../../src/project/workspace.ts";
import { routedRoot } from "../../../src/core/route.ts";
import { writeRoute } from "../../../src/project/workspace.ts";

function tree(files: Record<string, string>): string {
  const root = Deno.realPathSync(Deno.makeTempDirSync());
  for (const [rel, text] of Object.entries(files)) {
    const p = `${root}/${rel}`;
    Deno.mkdirSync(p.slice(0, p.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(p, text);
  }
  return root;
}

Deno.test("findWorkspaceRoot() finds the ancestor whose project_dirs names the dir", () => {
  const root = tree({
    "prime.toml": 'project_dirs = ["libs/a", "./b/"]\n',
    "libs/a/pyproject.toml": "",
    "b/pyproject.toml": "",
    "c/pyproject.toml": "",
  });
  assert.deepEqual(findWorkspaceRoot(`${root}/libs/a`), {
    root,
    member: `${root}/libs/a`,
    file: `${root}/prime.toml`,
    via: "project_dirs",
  });
  assert.equal(findWorkspaceRoot(`${root}/b`)?.root, root);
  assert.equal(findWorkspaceRoot(`${root}/c`), null);
});

Deno.test("findWorkspaceRoot() reads [tool.prime] and env tables, and uv members with exclude", () => {
  const root = tree({
    "pyproject.toml": `[tool.prime.env.dev]
project_dirs = ["tools/dev"]

[tool.uv.workspace]
members = ["packages/*"]
exclude = ["packages/old"]
`,
    "tools/dev/pyproject.toml": "",
    "packages/new/pyproject.toml": "",
    "packages/old/pyproject.toml": "",
  });
  assert.equal(findWorkspaceRoot(`${root}/tools/dev`)?.via, "project_dirs");
  assert.equal(findWorkspaceRoot(`${root}/packages/new`)?.via, "[tool.uv.workspace] members");
  assert.equal(findWorkspaceRoot(`${root}/packages/old`), null);
});

Deno.test("findWorkspaceRoot() ignores an ancestor with broken TOML and takes the nearest claim", () => {
  const root = tree({
    "prime.toml": 'project_dirs = ["mid/leaf"]\n',
    "mid/prime.toml": 'project_dirs = ["leaf"]\n',
    "mid/leaf/pyproject.toml": "",
    "x/pyproject.toml": "[broken\n",
    "x/y/pyproject.toml": "",
  });
  assert.equal(findWorkspaceRoot(`${root}/mid/leaf`)?.root, `${root}/mid`);
  assert.equal(findWorkspaceRoot(`${root}/x/y`), null);
});

Deno.test("routedRoot() holds while the ancestors' config files are unchanged", async () => {
  const root = tree({ "prime.toml": 'project_dirs = ["b"]\n', "b/pyproject.toml": "" });
  const cache = Deno.makeTempDirSync();
  assert.equal(await routedRoot(cache, `${root}/b`), null, "nothing recorded yet");
  await writeRoute(cache, `${root}/b`, root);
  assert.equal(await routedRoot(cache, `${root}/b`), root);
  Deno.writeTextFileSync(`${root}/prime.toml`, "project_dirs = []\n");
  assert.equal(await routedRoot(cache, `${root}/b`), null, "an edited ancestor");
  await writeRoute(cache, `${root}/b`, `${root}/b`);
  assert.equal(await routedRoot(cache, `${root}/b`), `${root}/b`);
  Deno.writeTextFileSync(`${root}/pyproject.toml`, "");
  assert.equal(await routedRoot(cache, `${root}/b`), null, "a new ancestor config file");
});

Deno.test("routedRoot() sees a config file made in an ancestor in the same clock tick as the ancestor's last change before the route was written", async () => {
  // Linux stamps a change from a coarse clock (1-10 ms; some file systems keep whole
  // seconds): a file made in the same tick leaves the directory's mtime as it was. The
  // utime below makes that tick certain.
  const root = tree({ "b/pyproject.toml": "" });
  const cache = Deno.makeTempDirSync();
  const before = Deno.statSync(root);
  await writeRoute(cache, `${root}/b`, `${root}/b`);
  assert.equal(await routedRoot(cache, `${root}/b`), `${root}/b`);
  Deno.writeTextFileSync(`${root}/prime.toml`, 'project_dirs = ["b"]\n');
  Deno.utimeSync(root, before.atime!, before.mtime!);
  assert.equal(await routedRoot(cache, `${root}/b`), null, "the new ancestor config file counts");
});

Deno.test("writeRoute() records an ancestor's mtime only once it is past any clock tick", async () => {
  const root = tree({ "b/pyproject.toml": "" });
  const cache = Deno.makeTempDirSync();
  const old = new Date(Date.now() - 60_000);
  Deno.utimeSync(root, old, old);
  await writeRoute(cache, `${root}/b`, `${root}/b`);
  const rec = JSON.parse(
    Deno.readTextFileSync(
      `${cache}/pointers/${[...Deno.readDirSync(`${cache}/pointers`)][0].name}`,
    ),
  );
  assert.equal(rec.dirs[root], old.getTime(), "a minute-old mtime is kept");
});
