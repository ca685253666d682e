import assert from "node:assert/strict";
import {
  planWithLock,
  pylockToRequirements,
  splitEditables,
  uvExportArgs,
} from "../../../src/deps/locks.ts";
import type { InstallPlan } from "../../../src/deps/plan.ts";
import { ConfigError } from "../../../src/core/errors.ts";

const PLAN: InstallPlan = {
  constraints: null,
  requirements: ["/r/requirements.txt"],
  dependencies: ["rich>=13", "httpx"],
  groupRequirements: ["pytest"],
  editables: ["/r"],
  installArgs: [],
};

Deno.test("planWithLock() drops what the lock pins ([project].dependencies, groups) and keeps prime's own", () => {
  const lock = { kind: "uv.lock" as const, path: "/r/uv.lock", groups: ["test"] };
  const p = planWithLock(PLAN, lock, {
    path: "/r/pyproject.toml",
    dependencies: ["httpx"],
    hasBuildSystem: false,
    dependencyGroups: {},
  });
  assert.deepEqual(p.dependencies, ["rich>=13"]);
  assert.deepEqual(p.groupRequirements, []);
  assert.deepEqual(p.requirements, ["/r/requirements.txt"]);
  assert.deepEqual(p.editables, ["/r"]);
  assert.equal(p.lock, lock);
  assert.equal(planWithLock(PLAN, null, null), PLAN);
});

Deno.test("uvExportArgs() asks for the locked pins of the env's groups only", () => {
  const args = uvExportArgs({ kind: "uv.lock", path: "/r/uv.lock", groups: ["test"] }, "/py", true);
  assert.deepEqual(args.slice(0, 3), ["export", "--locked", "--offline"]);
  assert.ok(args.includes("--no-default-groups"));
  assert.ok(args.includes("--no-emit-project"));
  assert.deepEqual(args.slice(args.indexOf("--group"), args.indexOf("--group") + 2), [
    "--group",
    "test",
  ]);
  assert.ok(
    !uvExportArgs({ kind: "uv.lock", path: "", groups: [] }, "/py", false).includes("--offline"),
  );
});

Deno.test("splitEditables() moves workspace members out of the hashed pins, made absolute", () => {
  const text = "-e ./src/member\nanyio==4.0 \\\n    --hash=sha256:aa\n-e file:///abs/pkg\n";
  const s = splitEditables(text, "/r");
  assert.deepEqual(s.editables, ["/r/src/member", "/abs/pkg"]);
  assert.equal(s.pins, "anyio==4.0 \\\n    --hash=sha256:aa\n");
});

Deno.test("pylockToRequirements() pins each package with its marker and every hash", () => {
  const text = `lock-version = "1.0"
created-by = "uv"
[[packages]]
name = "anyio"
version = "4.0"
marker = "python_version >= '3.9'"
wheels = [{ url = "https://x/anyio-4.0-py3-none-any.whl", hashes = { sha256 = "aa" } }]
sdist = { url = "https://x/anyio-4.0.tar.gz", hashes = { sha256 = "bb" } }
[[packages]]
name = "idna"
version = "3.7"
wheels = [{ url = "https://x/idna.whl", hashes = { sha256 = "cc" } }]
`;
  assert.equal(
    pylockToRequirements(text, "/r/pylock.toml"),
    "anyio==4.0 ; python_version >= '3.9' --hash=sha256:aa --hash=sha256:bb\nidna==3.7 --hash=sha256:cc\n",
  );
});

Deno.test("pylockToRequirements() refuses what pip cannot take from a lock, naming the fix", () => {
  assert.throws(
    () =>
      pylockToRequirements(
        `lock-version = "1.0"\n[[packages]]\nname = "mine"\ndirectory = { path = "." }\n`,
        "/r/pylock.toml",
      ),
    (e) =>
      e instanceof ConfigError && /directory source/.test(e.message) &&
      /venv_uv/.test(e.hint ?? ""),
  );
  assert.throws(
    () => pylockToRequirements(`lock-version = "2.0"\n`, "/r/pylock.toml"),
    /lock-version "2\.0" is not a PEP 751 lock prime can read/,
  );
});
