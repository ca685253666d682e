import assert from "node:assert/strict";
import { parseInvocation } from "../../../src/cli/args.ts";
import {
  pointerPath,
  pointerRequest,
  readPointerEntry,
  requestKey,
  writePointer,
} from "../../../src/core/pointer.ts";
import { writeUseChoice } from "../../../src/project/use_choice.ts";

function inv(argv: string[], env: Record<string, string> = {}, cwd = "/w") {
  return parseInvocation([...argv, "sync"], { env: (k) => env[k], cwd, isFile: () => false });
}

Deno.test("requestKey(): a relative --python is made absolute against the base, a version is kept", () => {
  assert.equal(requestKey("repo", "/r", inv(["--python", "./py"])).pythonOverride, "/w/./py");
  assert.equal(
    requestKey("repo", "/r", inv(["-C", "sub", "--python", "bin/py"])).pythonOverride,
    "/w/sub/bin/py",
  );
  assert.equal(requestKey("repo", "/r", inv(["--python", "/abs/py"])).pythonOverride, "/abs/py");
  assert.equal(requestKey("repo", "/r", inv(["--python", "3.12"])).pythonOverride, "3.12");
  assert.equal(requestKey("repo", "/r", inv([], { PRIME_PYTHON: "py" })).pythonOverride, "py");
});

Deno.test("requestKey(): env names and the driver count for repos; scripts ignore the env, bare scripts the driver too", () => {
  const i = inv(["-e", "dev"], { PRIME_VENV_DRIVER: "venv_uv" });
  assert.deepEqual(requestKey("repo", "/r", i), {
    kind: "repo",
    subject: "/r",
    envRequest: "dev",
    pythonOverride: "",
    driverOverride: "venv_uv",
    groups: "",
    pythonChoice: "",
  });
  assert.equal(requestKey("script", "/d\0block", i).envRequest, "");
  assert.equal(requestKey("script", "/d\0block", i).driverOverride, "venv_uv");
  assert.equal(requestKey("bare", "/d", i).driverOverride, "");
});

Deno.test("requestKey(): group and extra flags make another request for a repo, and a plain one keeps its pointer", () => {
  const plain = requestKey("repo", "/r", inv([]));
  const noDev = requestKey("repo", "/r", inv(["--no-dev"]));
  assert.notEqual(noDev.groups, "");
  assert.notEqual(pointerPath("/c", plain), pointerPath("/c", noDev));
  assert.equal(
    pointerPath("/c", plain),
    pointerPath("/c", { ...plain, groups: undefined }),
  );
  assert.equal(requestKey("script", "/d\0block", inv(["--no-dev"])).groups, "");
});

Deno.test("requestKey(): UV_PYTHON and PYENV_VERSION make another request; unset, the pointer keeps its name", () => {
  const plain = requestKey("repo", "/r", inv([]));
  const pyenv = requestKey("repo", "/r", inv([], { PYENV_VERSION: "3.11" }));
  const uv = requestKey("repo", "/r", inv([], { UV_PYTHON: "3.11" }));
  assert.notEqual(pointerPath("/c", plain), pointerPath("/c", pyenv));
  assert.notEqual(pointerPath("/c", pyenv), pointerPath("/c", uv));
  assert.equal(pointerPath("/c", plain), pointerPath("/c", { ...plain, pythonChoice: undefined }));
  assert.notEqual(requestKey("script", "/d\0b", inv([], { UV_PYTHON: "3.11" })).pythonChoice, "");
  assert.equal(requestKey("bare", "/d", inv([], { UV_PYTHON: "3.11" })).pythonChoice, "");
});

Deno.test("requestKey(): --env, then PRIME_ENV, then the saved `prime use` choice", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  try {
    assert.equal(requestKey("repo", root, inv([])).envRequest, "");
    writeUseChoice(root, "saved");
    assert.equal(requestKey("repo", root, inv([])).envRequest, "saved");
    assert.equal(requestKey("repo", root, inv([], { PRIME_ENV: "ci" })).envRequest, "ci");
    assert.equal(
      requestKey("repo", root, inv(["-e", "dev"], { PRIME_ENV: "ci" })).envRequest,
      "dev",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("pointerPath(): one file per distinct request, the same file for the same request", () => {
  const keys = [
    requestKey("repo", "/r", inv([])),
    requestKey("repo", "/r", inv(["-e", "dev"])),
    requestKey("repo", "/r", inv(["--python", "3.12"])),
    requestKey("repo", "/r", inv([], { PRIME_VENV_DRIVER: "venv_pip" })),
    requestKey("repo", "/other", inv([])),
    requestKey("script", "/r", inv([])),
    requestKey("bare", "/r", inv([])),
  ];
  const paths = keys.map((k) => pointerPath("/cache", k));
  assert.equal(new Set(paths).size, keys.length);
  for (const p of paths) assert.match(p, /^\/cache\/pointers\/[0-9a-f]{32}\.json$/);
  assert.equal(pointerPath("/cache", requestKey("repo", "/r", inv([]))), paths[0]);
});

Deno.test("readPointerEntry(): a pointer is read only for the request it was written for", () => {
  const cache = Deno.makeTempDirSync();
  try {
    const key = requestKey("repo", "/r", inv([]));
    const other = requestKey("repo", "/other", inv([]));
    const path = pointerPath(cache, key);
    writePointer(path, "/r/.venv", "fp", pointerRequest(key));
    assert.deepEqual(readPointerEntry(path, pointerRequest(key)), {
      venvDir: "/r/.venv",
      fingerprint: "fp",
    });
    // As if the hash of another request named the same file.
    assert.equal(readPointerEntry(path, pointerRequest(other)), null);
    writePointer(path, "/r/.venv", "fp");
    assert.equal(readPointerEntry(path, pointerRequest(key)), null, "no request recorded");
  } finally {
    Deno.removeSync(cache, { recursive: true });
  }
});
