import assert from "node:assert/strict";
import { dropInDir } from "../../../src/cli/drop_in.ts";

const files = (...paths: string[]) => (p: string) => paths.includes(p);

Deno.test("dropInDir() is the launcher's directory when it holds a ref root's file", () => {
  for (const marker of ["prime.toml", "pyproject.toml", ".python-version", "requirements.txt"]) {
    assert.equal(dropInDir("/repo/prime", "/elsewhere", files(`/repo/${marker}`)), "/repo");
  }
});

Deno.test("dropInDir() resolves a relative launcher against the working directory", () => {
  assert.equal(dropInDir("./prime", "/repo", files("/repo/prime.toml")), "/repo");
  assert.equal(dropInDir("./././prime", "/", files("/prime.toml")), "/");
  assert.equal(
    dropInDir("../prime", "/repo/sub", files("/repo/sub/../prime.toml")),
    "/repo/sub/..",
  );
});

Deno.test("dropInDir() is null for a prime on PATH (no ref root's file beside it)", () => {
  assert.equal(dropInDir("/home/u/.local/bin/prime", "/repo", files("/repo/prime.toml")), null);
  assert.equal(dropInDir("/prime", "/", files("/etc/prime.toml")), null);
  assert.equal(dropInDir("/prime", "/", files("/prime.toml")), "/");
});
