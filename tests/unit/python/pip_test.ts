import { choosePipWheel, wheelRequiresPython } from "../../../src/python/pip.ts";
import assert from "node:assert/strict";
import type { PythonInfo } from "../../../src/python/types.ts";
import { makeZip } from "../../helpers/zip.ts";

function pipWheel(dir: string, version: string, requiresPython: string | null): string {
  Deno.mkdirSync(dir, { recursive: true });
  const path = `${dir}/pip-${version}-py3-none-any.whl`;
  const meta = `Metadata-Version: 2.1\nName: pip\nVersion: ${version}\n${
    requiresPython === null ? "" : `Requires-Python: ${requiresPython}\n`
  }\nRequires-Python: >=99 (in the description, not a header)\n`;
  Deno.writeFileSync(
    path,
    makeZip([{ name: `pip-${version}.dist-info/METADATA`, data: meta, deflate: true }]),
  );
  return path;
}

function fakePython(root: string, version: string): PythonInfo {
  const mm = version.split(".").slice(0, 2).join(".");
  Deno.mkdirSync(`${root}/bin`, { recursive: true });
  Deno.mkdirSync(`${root}/lib/python${mm}/ensurepip/_bundled`, { recursive: true });
  return {
    path: `${root}/bin/python${mm}`,
    realPath: `${root}/bin/python${mm}`,
    version,
    implementation: "cpython",
    freethreaded: false,
    mtimeMs: 0,
    size: 0,
  };
}

Deno.test("wheelRequiresPython() reads the header, not the description, and null when absent", () => {
  const dir = Deno.makeTempDirSync();
  assert.equal(wheelRequiresPython(pipWheel(dir, "23.0.1", ">=3.7")), ">=3.7");
  assert.equal(wheelRequiresPython(pipWheel(`${dir}/b`, "9.0", null)), null);
  Deno.writeTextFileSync(`${dir}/pip-1.0-py3-none-any.whl`, "not a zip");
  assert.equal(wheelRequiresPython(`${dir}/pip-1.0-py3-none-any.whl`), undefined);
});

Deno.test("choosePipWheel() prefers the interpreter's own pip over a newer shared one", () => {
  const root = Deno.makeTempDirSync();
  const py = fakePython(`${root}/py`, "3.7.16");
  pipWheel(`${root}/py/lib/python3.7/ensurepip/_bundled`, "22.0.4", ">=3.7");
  pipWheel(`${root}/shared`, "23.0.1", ">=3.7");
  const c = choosePipWheel(py, `${root}/shared`);
  assert.equal(c.version, "22.0.4");
  assert.equal(c.source, "bundled");
  assert.deepEqual(c.rejected, []);
});

Deno.test("choosePipWheel() passes over wheels whose Requires-Python excludes the interpreter", () => {
  const root = Deno.makeTempDirSync();
  const py = fakePython(`${root}/py`, "3.6.15");
  // A newer pip dropped into the interpreter's own dir still has to admit it.
  pipWheel(`${root}/py/lib/python3.6/ensurepip/_bundled`, "23.0.1", ">=3.7");
  pipWheel(`${root}/py/lib/python3.6/ensurepip/_bundled`, "18.1", ">=2.7,!=3.0.*,!=3.1.*");
  pipWheel(`${root}/shared`, "24.0", ">=3.7");
  const c = choosePipWheel(py, `${root}/shared`);
  assert.equal(c.version, "18.1");
  assert.equal(c.rejected.length, 1);
  assert.match(c.rejected[0].reason, /Requires-Python >=3\.7 does not admit Python 3\.6\.15/);
});

Deno.test("choosePipWheel() falls back to the shared wheels, and to none when none admits", () => {
  const root = Deno.makeTempDirSync();
  const py = fakePython(`${root}/py`, "3.6.15");
  pipWheel(`${root}/shared`, "23.0.1", ">=3.7");
  const none = choosePipWheel(py, `${root}/shared`);
  assert.equal(none.wheel, null);
  assert.equal(none.rejected.length, 1);
  pipWheel(`${root}/shared`, "21.3.1", ">=3.6");
  const c = choosePipWheel(py, `${root}/shared`);
  assert.equal(c.version, "21.3.1");
  assert.equal(c.source, "shared");
});
