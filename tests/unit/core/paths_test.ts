import assert from "node:assert/strict";
import { readOwnCacheFile } from "../../../src/core/paths.ts";

const NOBODY = 65534;

Deno.test("readOwnCacheFile() reads only the user's own regular file, writable by no one else, within its limit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/p.json`;
    Deno.writeTextFileSync(f, "{}\n", { mode: 0o600 });
    Deno.chmodSync(f, 0o600);
    assert.equal(readOwnCacheFile(f, 64), "{}\n");
    assert.equal(readOwnCacheFile(f, 2), null, "past the limit");
    Deno.chmodSync(f, 0o666);
    assert.equal(readOwnCacheFile(f, 64), null, "writable by others");
    Deno.chmodSync(f, 0o620);
    assert.equal(readOwnCacheFile(f, 64), null, "writable by its group");
    Deno.chmodSync(f, 0o600);
    if (Deno.uid() === 0) {
      Deno.chownSync(f, NOBODY, NOBODY);
      assert.equal(readOwnCacheFile(f, 64), null, "another uid's file");
    }
    Deno.symlinkSync("/dev/zero", `${dir}/z.json`);
    assert.equal(readOwnCacheFile(`${dir}/z.json`, 64), null, "a link to a device");
    const mk = new Deno.Command("mkfifo", { args: [`${dir}/fifo.json`] }).outputSync();
    if (mk.success) {
      assert.equal(readOwnCacheFile(`${dir}/fifo.json`, 64), null, "a FIFO, unopened");
    }
    assert.equal(readOwnCacheFile(`${dir}/missing.json`, 64), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
