import assert from "node:assert/strict";
import { dropPins, lockFilePins, pinChanges, readPins } from "../../../src/pypa/constraints.ts";

const TEXT = "# Written by prime lock\nAlpha_Pkg==1.0\nbeta==2.0\nweird===x1\n-c other.txt\n";

Deno.test("readPins() reads name==version and === lines, skipping the rest", () => {
  assert.deepEqual(readPins(TEXT), [
    { name: "Alpha_Pkg", key: "alpha-pkg", version: "1.0" },
    { name: "beta", key: "beta", version: "2.0" },
    { name: "weird", key: "weird", version: "x1" },
  ]);
});

Deno.test("dropPins() drops the named pins (normalized), or all, and keeps other lines", () => {
  const some = dropPins(TEXT, ["alpha.pkg", "gamma"]);
  assert.equal(some.text, "# Written by prime lock\nbeta==2.0\nweird===x1\n-c other.txt\n");
  assert.deepEqual(some.dropped.map((p) => p.key), ["alpha-pkg"]);
  assert.deepEqual(some.missing, ["gamma"]);
  const all = dropPins(TEXT, "all");
  assert.equal(all.text, "# Written by prime lock\n-c other.txt\n");
  assert.equal(all.dropped.length, 3);
});

Deno.test("pinChanges() says what moved, appeared and went", () => {
  assert.deepEqual(pinChanges(readPins("a==1\nb==1\nc==1\n"), readPins("a==2\nb==1\nd==1\n")), [
    "a 1 -> 2",
    "d (new) 1",
    "c 1 (gone)",
  ]);
});

Deno.test("lockFilePins() lists a uv.lock's or pylock.toml's packages, not the project", async () => {
  const { parse } = await import("smol-toml");
  const toml = (t: string) => parse(t) as Record<string, unknown>;
  const uvLock = `version = 1
requires-python = ">=3.12"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "idna"
version = "3.21"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "member"
version = "0.0.1"
source = { virtual = "member" }

[[package]]
name = "certifi"
version = "2026.1.1"
source = { registry = "https://pypi.org/simple" }
`;
  assert.deepEqual(lockFilePins(uvLock, toml), ["certifi==2026.1.1", "idna==3.21"]);
  const pylock = `lock-version = "1.0"
created-by = "uv"

[[packages]]
name = "six"
version = "1.17.0"
`;
  assert.deepEqual(lockFilePins(pylock, toml), ["six==1.17.0"]);
  assert.deepEqual(lockFilePins("x = 1\n", toml), []);
});
