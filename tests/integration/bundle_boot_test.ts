/**
 * The bundle bootstrap's own checks (prime-bundle.py), table-driven, in a real Python:
 * the requirement matcher against prime's rules, and wheel tags against interpreters.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { BOOT_PY } from "../../src/bundle/boot_py.ts";
import { tempTree } from "../helpers/fixtures.ts";
import { requirePython } from "../helpers/requires.ts";
import { versionSatisfies } from "../../src/pypa/specifier.ts";

const { py, ignore, why } = requirePython();

/** Evaluates `expr` for each case with the bootstrap's functions in scope; returns the results. */
async function evalBoot(cases: unknown[], expr: string): Promise<unknown[]> {
  const dir = await tempTree({
    "prime-bundle/prime_bundle_boot.py": BOOT_PY,
    "prime-bundle.json": JSON.stringify({ name: "t", python: {}, entry: null }),
  });
  const code = `import json, os, runpy, sys
os.environ["_PRIME_BUNDLE_PROBE"] = "1"
g = runpy.run_path(sys.argv[1])
out = []
for c in json.loads(sys.stdin.read()):
    out.append(eval(${JSON.stringify(expr)}, g, {"c": c}))
print(json.dumps(out))
`;
  const child = new Deno.Command(py!.path, {
    args: ["-I", "-c", code, join(dir, "prime-bundle/prime_bundle_boot.py")],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(cases)));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  return JSON.parse(dec.decode(out.stdout).trim().split("\n").at(-1)!);
}

Deno.test({
  name: "the bootstrap's version matcher agrees with prime's selection rules" + why,
  ignore,
  async fn() {
    const specs = [
      ">=3.10",
      "==3.12.*",
      "~=3.11",
      "~=3.11.2",
      ">=3.10,<3.13",
      "!=3.12.0",
      "==3.12.1",
      "<3.12",
      ">3.11",
      "<=3.11",
      "!=3.11.*",
      null,
    ];
    const versions = ["3.9.18", "3.10.0", "3.11.1", "3.11.7", "3.12.0", "3.12.1", "3.13.0rc1"];
    const cases = specs.flatMap((s) => versions.map((v) => [v, s]));
    const got = await evalBoot(cases, "_version_ok(c[0], c[1])");
    const want = cases.map(([v, s]) => versionSatisfies(v as string, s));
    const diff = cases.filter((_, i) => got[i] !== want[i]);
    assert.deepEqual(diff, [], "cases where the bootstrap and prime disagree");
  },
});

Deno.test({
  name: "the bootstrap accepts exactly the wheel tags an interpreter can load" + why,
  ignore,
  async fn() {
    const linux312 = {
      version: "3.12.1",
      implementation: "cpython",
      freethreaded: false,
      abi: "cp312",
      platform: "linux",
      machine: "x86_64",
      libc: "glibc 2.36",
      mac: "",
    };
    const table: Array<[string, Record<string, unknown>, boolean]> = [
      ["cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64", linux312, true],
      ["cp312-cp312-manylinux_2_38_x86_64", linux312, false],
      ["cp311-cp311-manylinux_2_17_x86_64", linux312, false],
      ["cp38-abi3-manylinux_2_17_x86_64", linux312, true],
      ["cp313-abi3-manylinux_2_17_x86_64", linux312, false],
      ["cp312-cp312-manylinux_2_17_aarch64", linux312, false],
      ["cp312-cp312-musllinux_1_2_x86_64", linux312, false],
      ["cp312-cp312-linux_x86_64", linux312, true],
      ["py3-none-manylinux1_x86_64", linux312, true],
      ["py311-none-any", linux312, true],
      ["py313-none-any", linux312, false],
      ["cp312-none-any", linux312, true],
      ["cp312-cp312-macosx_11_0_arm64", linux312, false],
      ["cp312-cp312-win_amd64", linux312, false],
      ["cp313-cp313t-manylinux_2_17_x86_64", {
        ...linux312,
        version: "3.13.0",
        abi: "cp313t",
        freethreaded: true,
      }, true],
      ["cp38-abi3-manylinux_2_17_x86_64", {
        ...linux312,
        version: "3.13.0",
        abi: "cp313t",
        freethreaded: true,
      }, false],
      ["cp312-cp312-macosx_11_0_arm64", {
        ...linux312,
        platform: "darwin",
        machine: "arm64",
        libc: "",
        mac: "14.2",
      }, true],
      ["cp312-cp312-macosx_10_9_universal2", {
        ...linux312,
        platform: "darwin",
        machine: "x86_64",
        libc: "",
        mac: "13.0",
      }, true],
      ["pp310-pypy310_pp73-manylinux_2_17_x86_64", {
        ...linux312,
        version: "3.10.14",
        implementation: "pypy",
        abi: "pypy310_pp73",
      }, true],
    ];
    const got = await evalBoot(table.map(([t, f]) => [t, f]), "_tag_ok(c[0], c[1])");
    const wrong = table.filter(([, , want], i) => got[i] !== want).map(([t, f]) =>
      `${t} on ${JSON.stringify(f)}`
    );
    assert.deepEqual(wrong, []);
  },
});
