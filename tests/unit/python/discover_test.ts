import type { PythonRequest } from "../../../src/pypa/specifier.ts";
import type { RequiredPython } from "../../../src/python/types.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  commonNames,
  findCandidates,
  managedRoots,
  pathNames,
  SHIM_REASON,
} from "../../../src/python/discover.ts";

function req(specifier: string | null, extra: Partial<PythonRequest> = {}): PythonRequest {
  return { raw: specifier ?? "", specifier, implementation: null, freethreaded: false, ...extra };
}

function required(...specs: string[]): RequiredPython {
  return { requests: specs.map((s) => req(s)), value: specs.join(" | ") || null, source: "test" };
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "prime_discover_" });
  try {
    await fn(await Deno.realPath(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** An executable file that is never run: discovery only stats it. */
async function exe(path: string, text = "\x7fELF fake"): Promise<string> {
  await Deno.mkdir(join(path, ".."), { recursive: true });
  await Deno.writeTextFile(path, text, { mode: 0o755 });
  return path;
}

Deno.test("pathNames() and commonNames() follow the requests, most specific first", () => {
  assert.deepEqual(pathNames(required()), ["python3", "python"]);
  assert.deepEqual(pathNames(required("==3.12.1", "==3.11.*")), [
    "python3.12.1",
    "python3.12",
    "python3",
    "python",
    "python3.11",
  ]);
  assert.deepEqual(commonNames(required("==3.12.*")), ["python3.12", "python3", "python"]);
  const any = commonNames(required());
  assert.deepEqual(any.slice(0, 2), ["python3", "python"]);
  assert.ok(any.includes("python3.6") && any.includes("python3.13"));
});

Deno.test("managedRoots() finds pyenv, uv, asdf and mise from the environment or their defaults", () => {
  assert.deepEqual(managedRoots({ HOME: "/h" }), [
    "/h/.pyenv/versions",
    "/h/.local/share/uv/python",
    "/h/.asdf/installs/python",
    "/h/.local/share/mise/installs/python",
  ]);
  assert.deepEqual(
    managedRoots({
      HOME: "/h",
      PYENV_ROOT: "/p",
      XDG_DATA_HOME: "/d",
      ASDF_DATA_DIR: "/a",
      MISE_DATA_DIR: "/m",
    }),
    ["/p/versions", "/d/uv/python", "/a/installs/python", "/m/installs/python"],
  );
  assert.deepEqual(managedRoots({ HOME: "/h", UV_PYTHON_INSTALL_DIR: "/u" })[1], "/u");
  assert.deepEqual(managedRoots({}), []);
  assert.deepEqual(managedRoots({ HOME: "relative" }), []);
});

Deno.test("findCandidates() searches PATH names first, then managed installs, skipping shims and duplicates", async () => {
  await withTemp(async (dir) => {
    const bin1 = join(dir, "bin1");
    const bin2 = join(dir, "bin2");
    const shims = join(dir, "pyenv", "shims");
    const versions = join(dir, "pyenv", "versions");
    await exe(join(shims, "python3.12"), "#!/usr/bin/env bash\nexec pyenv exec python3.12\n");
    await exe(join(shims, "python3"), "#!/usr/bin/env bash\nexec pyenv exec python3\n");
    const b2py312 = await exe(join(bin2, "python3.12"));
    await Deno.symlink("python3.12", join(bin2, "python3"));
    const b1py3 = await exe(join(bin1, "python3"));
    const v312 = await exe(join(versions, "3.12.1", "bin", "python3"));
    const v39 = await exe(join(versions, "3.9.18", "bin", "python3"));
    const v310 = await exe(join(versions, "3.10.13", "bin", "python3"));
    const v27 = await exe(join(versions, "2.7.18", "bin", "python"));
    await Deno.mkdir(join(versions, "empty", "bin"), { recursive: true });
    const uvDir = join(dir, "uv");
    const uv313 = await exe(join(uvDir, "cpython-3.13.0-linux-x86_64-gnu", "bin", "python3"));
    await Deno.symlink(
      join(uvDir, "cpython-3.13.0-linux-x86_64-gnu"),
      join(uvDir, "cpython-3.13-linux-x86_64-gnu"),
    );
    await exe(join(uvDir, ".temp", "bin", "python3"));
    const env = {
      PATH: ["", ".", shims, bin1, bin2, "relative/bin"].join(":"),
      PYENV_ROOT: join(dir, "pyenv"),
      UV_PYTHON_INSTALL_DIR: uvDir,
      HOME: join(dir, "nohome"),
    };
    const got = await findCandidates(required("==3.12.*"), env);
    const common = got.candidates.filter((p) => !p.startsWith(dir));
    assert.deepEqual(got.candidates.slice(0, got.candidates.length - common.length), [
      b2py312,
      b1py3,
      v312,
      v310,
      v39,
      v27,
      uv313,
    ]);
    assert.deepEqual(got.rejected, [
      { path: join(shims, "python3.12"), reason: SHIM_REASON },
      { path: join(shims, "python3"), reason: SHIM_REASON },
    ]);
  });
});

Deno.test("findCandidates() answers many names in one directory from its listing, as a stat of each would", async () => {
  await withTemp(async (dir) => {
    const bin = join(dir, "bin");
    const py312 = await exe(join(bin, "python3.12"));
    const real311 = await exe(join(dir, "elsewhere", "python3.11"));
    await Deno.symlink(real311, join(bin, "python3.11"));
    await Deno.symlink(join(dir, "gone"), join(bin, "python3.13")); // dangling
    await Deno.writeTextFile(join(bin, "python3.14"), "not executable", { mode: 0o644 });
    await Deno.mkdir(join(bin, "python3.10")); // a directory of that name
    const env = { PATH: [bin, join(dir, "missing")].join(":"), HOME: join(dir, "nohome") };
    // >=3.10 looks up python3.16 ... python3.10, python3 and python in each PATH entry:
    // enough names for the listing (and none in the missing directory).
    const got = findCandidates(required(">=3.10"), env);
    assert.deepEqual(got.candidates.filter((p) => p.startsWith(dir)), [
      py312,
      join(bin, "python3.11"),
    ]);
    assert.deepEqual(got.rejected, []);
  });
});

Deno.test("findCandidates() replaces a venv's interpreter by the real binary it links to", async () => {
  await withTemp(async (dir) => {
    const base = await exe(join(dir, "base", "bin", "python3.11"));
    const venvBin = join(dir, "venv", "bin");
    await Deno.mkdir(venvBin, { recursive: true });
    await Deno.writeTextFile(join(dir, "venv", "pyvenv.cfg"), "home = x\n");
    await Deno.symlink(base, join(venvBin, "python3"));
    const copyVenv = join(dir, "copies");
    await exe(join(copyVenv, "bin", "python3"));
    await Deno.writeTextFile(join(copyVenv, "pyvenv.cfg"), "home = x\n");
    const got = await findCandidates(required("==3.11.*"), {
      PATH: `${venvBin}:${join(copyVenv, "bin")}`,
    });
    assert.equal(got.candidates[0], base);
    assert.ok(!got.candidates.includes(join(venvBin, "python3")));
    assert.deepEqual(got.rejected, [{
      path: join(copyVenv, "bin", "python3"),
      reason: `inside the virtual environment ${copyVenv}`,
    }]);
  });
});
