import assert from "node:assert/strict";
import {
  absoluteFrom,
  basename,
  dirname,
  dirNames,
  executablesOnPath,
  findOnPath,
  isDirectory,
  isExecutableFile,
  isFile,
  isInside,
  joinPath,
  listedIsFile,
  lstatOrNull,
  normalizePath,
  parentDir,
  pathDirs,
  pathExists,
  resolvePath,
  statOrNull,
  writeAll,
} from "../../../src/core/files.ts";

Deno.test("dirname() gives the parent, / for top-level paths and . for bare names", () => {
  const cases: [string, string][] = [
    ["/a/b/c", "/a/b"],
    ["/a", "/"],
    ["/", "/"],
    ["/a/b/", "/a"],
    ["a", "."],
    ["a/b", "a"],
  ];
  for (const [p, want] of cases) assert.equal(dirname(p), want, p);
});

Deno.test("basename() gives the last component, ignoring a trailing slash", () => {
  const cases: [string, string][] = [
    ["/a/pip-24.0-py3-none-any.whl", "pip-24.0-py3-none-any.whl"],
    ["/a/b/", "b"],
    ["name", "name"],
    ["/", ""],
  ];
  for (const [p, want] of cases) assert.equal(basename(p), want, p);
});

Deno.test("parentDir() walks up to / and then stops with null", () => {
  const seen: string[] = [];
  let d: string | null = "/x/y";
  while (d !== null) {
    seen.push(d);
    d = parentDir(d);
  }
  assert.deepEqual(seen, ["/x/y", "/x", "/"]);
});

Deno.test("absoluteFrom() keeps absolute paths and joins relative ones once", () => {
  assert.equal(absoluteFrom("/base", "/etc/x"), "/etc/x");
  assert.equal(absoluteFrom("/base", "a/b"), "/base/a/b");
  assert.equal(absoluteFrom("/", "a"), "/a");
});

Deno.test("fs predicates: a dangling link exists but is no file; stat follows, lstat does not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/f`, "x", { mode: 0o644 });
    await Deno.writeTextFile(`${dir}/x`, "x", { mode: 0o755 });
    await Deno.symlink(`${dir}/missing`, `${dir}/dangling`);
    await Deno.symlink(`${dir}/x`, `${dir}/link`);
    assert.equal(isFile(`${dir}/f`), true);
    assert.equal(isExecutableFile(`${dir}/f`), false);
    assert.equal(isExecutableFile(`${dir}/link`), true);
    assert.equal(isDirectory(dir), true);
    assert.equal(isDirectory(`${dir}/f`), false);
    assert.equal(isFile(`${dir}/dangling`), false);
    assert.equal(pathExists(`${dir}/dangling`), true);
    assert.equal(statOrNull(`${dir}/dangling`), null);
    assert.equal(lstatOrNull(`${dir}/dangling`)?.isSymlink, true);
    assert.equal(pathExists(`${dir}/nothing`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pathDirs() drops empty entries and keeps order", () => {
  assert.deepEqual(pathDirs("/a::/b:"), ["/a", "/b"]);
  assert.deepEqual(pathDirs(undefined), []);
});

Deno.test("findOnPath() returns the first executable match, trailing slashes ignored", () => {
  const exe = new Set(["/b/tool", "/c/tool"]);
  const isExe = (p: string) => exe.has(p);
  assert.equal(findOnPath("tool", ["/a", "/b/", "/c"], isExe), "/b/tool");
  assert.equal(findOnPath("other", ["/a", "/b"], isExe), null);
});

Deno.test("executablesOnPath() yields every match in order, lazily", () => {
  const asked: string[] = [];
  const isExe = (p: string) => {
    asked.push(p);
    return p !== "/a/uv";
  };
  const it = executablesOnPath("uv", ["/a", "/b", "/c"], isExe);
  assert.equal(it.next().value, "/b/uv");
  assert.deepEqual(asked, ["/a/uv", "/b/uv"]);
  assert.deepEqual([...it], ["/c/uv"]);
});

Deno.test("findOnPath() finds a real executable and skips a non-executable file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/one`);
    await Deno.mkdir(`${dir}/two`);
    await Deno.writeTextFile(`${dir}/one/tool`, "", { mode: 0o644 });
    await Deno.writeTextFile(`${dir}/two/tool`, "#!/bin/sh\n", { mode: 0o755 });
    assert.equal(findOnPath("tool", [`${dir}/one`, `${dir}/two`]), `${dir}/two/tool`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeAll() keeps writing when the writer takes only part of the bytes", () => {
  const got: number[] = [];
  const stingy = {
    writeSync(p: Uint8Array): number {
      const n = Math.min(3, p.length);
      got.push(...p.subarray(0, n));
      return n;
    },
  };
  writeAll(stingy, "hello, world\n");
  assert.equal(new TextDecoder().decode(new Uint8Array(got)), "hello, world\n");
});

Deno.test("resolvePath(), joinPath() and normalizePath() agree with node:path", async () => {
  const path = await import("node:path");
  const paths = [
    "a",
    "./a",
    "a/b/../c",
    "../x",
    "../../x/./y",
    "/abs//p/",
    "/",
    ".",
    "a/./b/",
    "/a/../../b",
    "",
    "x/..",
  ];
  for (const base of ["/", "/r", "/r/s/", "/r/./t/.."]) {
    for (const p of paths) {
      assert.equal(resolvePath(base, p), path.resolve(base, p), `resolve(${base}, ${p})`);
    }
  }
  for (const p of paths) {
    if (p !== "") assert.equal(normalizePath(p), path.normalize(p).replace(/(.)\/$/, "$1"), p);
    assert.equal(joinPath("/r", p, "f"), path.join("/r", p, "f"), `join(/r, ${p}, f)`);
  }
});

Deno.test("isInside() is true for the root and below it, never for a sibling prefix", () => {
  assert.equal(isInside("/r", "/r"), true);
  assert.equal(isInside("/r", "/r/a/b"), true);
  assert.equal(isInside("/r", "/rx"), false);
  assert.equal(isInside("/r", "/"), false);
  assert.equal(isInside("/", "/anything"), true);
});

Deno.test("dirNames() lists a directory, is empty for a missing one; listedIsFile() agrees with isFile()", () => {
  const dir = Deno.realPathSync(Deno.makeTempDirSync());
  try {
    Deno.writeTextFileSync(`${dir}/a.toml`, "");
    Deno.mkdirSync(`${dir}/sub.toml`);
    Deno.symlinkSync(`${dir}/a.toml`, `${dir}/link.toml`);
    Deno.symlinkSync(`${dir}/gone`, `${dir}/dangling.toml`);
    assert.deepEqual(
      [...dirNames(dir)!].sort(),
      ["a.toml", "dangling.toml", "link.toml", "sub.toml"],
    );
    assert.deepEqual(dirNames(`${dir}/missing`), new Set());
    const check = listedIsFile();
    for (const name of ["a.toml", "sub.toml", "link.toml", "dangling.toml", "none.toml"]) {
      assert.equal(check(`${dir}/${name}`), isFile(`${dir}/${name}`), name);
    }
    assert.equal(check(`${dir}/missing/x`), false);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("dirNames() does not list a directory of thousands of entries (null: check names one by one)", () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (let i = 0; i < 3000; i++) Deno.writeTextFileSync(`${dir}/file-with-a-long-name-${i}`, "");
    const size = Deno.statSync(dir).size;
    if (size <= 32 * 1024) return; // a file system whose directories do not grow (say tmpfs): nothing to hold
    assert.equal(dirNames(dir), null);
    const check = listedIsFile();
    assert.equal(check(`${dir}/file-with-a-long-name-7`), true);
    assert.equal(check(`${dir}/nope`), false);
    // A first walk notes such names and answers no; a second stats all but the absent.
    const unlisted: string[] = [];
    const first = listedIsFile({ unlisted });
    assert.equal(first(`${dir}/file-with-a-long-name-7`), false);
    assert.equal(first(`${dir}/nope`), false);
    assert.deepEqual(unlisted, [`${dir}/file-with-a-long-name-7`, `${dir}/nope`]);
    const second = listedIsFile({ absent: new Set([`${dir}/nope`]) });
    assert.equal(second(`${dir}/file-with-a-long-name-7`), true);
    assert.equal(second(`${dir}/nope`), false);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
