import assert from "node:assert/strict";
import { absentPaths } from "../../../src/core/exec.ts";
import { python3 } from "../../helpers/fixtures.ts";
import { need, requires } from "../../helpers/requires.ts";

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

/**
 * Runs `args` under a seccomp filter that fails faccessat2 (439 on x86_64 and aarch64)
 * with EPERM, as an older container runtime's default profile does: glibc's faccessat
 * tries faccessat2 first and returns that error for every name. Null where no filter can
 * be added.
 */
async function withoutFaccessat2(args: string[]): Promise<Deno.CommandOutput | null> {
  const py = python3();
  if (!py || Deno.build.os !== "linux" || !["x86_64", "aarch64"].includes(Deno.build.arch)) {
    return null;
  }
  const filter = `
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
prog = [(0x20, 0, 0, 0), (0x15, 0, 1, 439), (0x06, 0, 0, 0x50001), (0x06, 0, 0, 0x7FFF0000)]
buf = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in prog))
class Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
fp = Fprog(len(prog), ctypes.addressof(buf))
if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(fp), 0, 0) != 0:
    sys.exit(77)
os.execv(sys.argv[1], sys.argv[1:])
`;
  const out = await new Deno.Command(py.path, { args: ["-I", "-c", filter, ...args] }).output();
  return out.code === 77 ? null : out;
}

/** Whether a seccomp filter can be added here (see withoutFaccessat2). */
const FILTERS = await withoutFaccessat2(["/bin/sh", "-c", "exit 0"]).then((o) => o?.code === 0);
const filters = requires(
  need(FILTERS, "no seccomp filter can be added here (Linux x86_64/aarch64, a Python >= 3.8)"),
);

Deno.test({
  name:
    "absentPaths() calls nothing absent where faccessat fails whatever the name (faccessat2 refused by seccomp)" +
    filters.why,
  ignore: filters.ignore,
  async fn() {
    const dir = Deno.realPathSync(Deno.makeTempDirSync());
    try {
      Deno.writeTextFileSync(`${dir}/file`, "");
      const exec = new URL("../../../src/core/exec.ts", import.meta.url).href;
      const code = `const { absentPaths } = await import(${JSON.stringify(exec)});
console.log(JSON.stringify([...await absentPaths(${
        JSON.stringify([`${dir}/file`, `${dir}/none`])
      })]));`;
      const out = (await withoutFaccessat2([Deno.execPath(), "eval", "--no-config", code]))!;
      const err = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, err);
      // It cannot tell (the directory's own check fails too): each name is stat'ed as before.
      assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), [], err);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
