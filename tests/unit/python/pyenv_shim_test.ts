import assert from "node:assert/strict";
import { join } from "node:path";
import { resolvePyenvShim } from "../../../src/python/discover.ts";

async function fakePyenv(globalVersion: string | null) {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(join(root, "shims"));
  await Deno.writeTextFile(
    join(root, "shims", "python3"),
    "#!/usr/bin/env bash\nexec pyenv exec\n",
  );
  for (const v of ["3.11.7", "3.12.1"]) {
    await Deno.mkdir(join(root, "versions", v, "bin"), { recursive: true });
    await Deno.writeTextFile(join(root, "versions", v, "bin", "python3"), "", { mode: 0o755 });
  }
  if (globalVersion !== null) await Deno.writeTextFile(join(root, "version"), globalVersion);
  return root;
}

Deno.test("resolvePyenvShim() follows `pyenv global` from $PYENV_ROOT/version", async () => {
  const root = await fakePyenv("3.12.1\n");
  assert.equal(
    await resolvePyenvShim(join(root, "shims", "python3"), { PYENV_ROOT: root }),
    join(root, "versions", "3.12.1", "bin", "python3"),
  );
});

Deno.test("resolvePyenvShim() prefers PYENV_VERSION and takes the first version that has the command", async () => {
  const root = await fakePyenv("3.12.1\n");
  assert.equal(
    await resolvePyenvShim(join(root, "shims", "python3"), {
      PYENV_ROOT: root,
      PYENV_VERSION: "3.9.0:3.11.7",
    }),
    join(root, "versions", "3.11.7", "bin", "python3"),
  );
});

Deno.test("resolvePyenvShim() gives up on `system`, a missing version file, and foreign shims", async () => {
  const root = await fakePyenv("system\n");
  const shim = join(root, "shims", "python3");
  assert.equal(await resolvePyenvShim(shim, { PYENV_ROOT: root }), null);
  const bare = await fakePyenv(null);
  assert.equal(await resolvePyenvShim(join(bare, "shims", "python3"), { PYENV_ROOT: bare }), null);
  assert.equal(await resolvePyenvShim(shim, { PYENV_ROOT: "/elsewhere" }), null);
});

Deno.test("resolvePyenvShim() resolves a version prefix to the newest installed match, as pyenv does", async () => {
  const root = await fakePyenv("3.12\n");
  for (const v of ["3.12.0", "3.12.10"]) {
    await Deno.mkdir(join(root, "versions", v, "bin"), { recursive: true });
    await Deno.writeTextFile(join(root, "versions", v, "bin", "python3"), "", { mode: 0o755 });
  }
  // Newest by version, not by name: 3.12.10 beats 3.12.1.
  assert.equal(
    await resolvePyenvShim(join(root, "shims", "python3"), { PYENV_ROOT: root }),
    join(root, "versions", "3.12.10", "bin", "python3"),
  );
});
