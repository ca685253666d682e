import assert from "node:assert/strict";
import { absentPaths } from "../../../src/core/exec.ts";

/** Whether lstat fails with NotFound or NotADirectory: what absentPaths() may call absent. */
function lstatSaysAbsent(p: string): boolean {
  try {
    Deno.lstatSync(p);
    return false;
  } catch (e) {
    return e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory;
  }
}

Deno.test("absentPaths() calls a path absent only when lstat finds nothing there", async () => {
  const dir = Deno.realPathSync(Deno.makeTempDirSync());
  try {
    Deno.writeTextFileSync(`${dir}/file`, "");
    Deno.mkdirSync(`${dir}/sub`);
    Deno.symlinkSync(`${dir}/file`, `${dir}/link`);
    Deno.symlinkSync(`${dir}/gone`, `${dir}/dangling`);
    Deno.symlinkSync(`${dir}/loop`, `${dir}/loop`);
    const paths = [
      "file",
      "sub",
      "link",
      "dangling",
      "loop",
      "none",
      "missing/x",
      "file/x",
      "sub/none",
      "link/x",
    ].map((n) => `${dir}/${n}`);
    const absent = await absentPaths(paths);
    for (const p of absent) assert.equal(lstatSaysAbsent(p), true, p);
    // A name missing from a directory that can be searched is told; a name below a
    // missing directory or a file is left out (the callers answer those by listings,
    // or by the stat they made before).
    assert.deepEqual([...absent].sort(), [`${dir}/none`, `${dir}/sub/none`]);
    assert.deepEqual(await absentPaths([]), new Set());
    assert.deepEqual(await absentPaths(["relative"]), new Set(), "a relative path is not told");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
