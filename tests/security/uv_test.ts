/**
 * Threat: a malicious clone replacing a global tool. A repo's install_args can point
 * pip and prime at any index or --find-links dir; a fake `uv==0.13.9` there must never
 * be installed into the cache that every other project's builds run. Both install
 * routes (pip in a helper venv, and prime's own wheel download) are tried for real.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { helperPython, pathWithoutUv, runPrime } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";
import { IGNORE, makeRepo, primeToml } from "../helpers/reliability.ts";
import { UV_VERSION, UV_WHEEL_SHA256 } from "../../src/uv/release.ts";
import { pathExists } from "../../src/core/files.ts";

/** The name of the real uv wheel for this host, which the attacker copies. */
function hostWheelName(): string | null {
  const arch = Deno.build.arch;
  return Object.keys(UV_WHEEL_SHA256).find((n) =>
    Deno.build.os === "linux" ? n.includes(`manylinux_2_17_${arch}`) : n.includes("macosx")
  ) ?? null;
}

/** A complete, installable uv wheel whose `uv` only touches `mark`. */
async function fakeUvWheel(dir: string, mark: string): Promise<void> {
  const script = `
import base64, hashlib, os, sys, zipfile
out, mark, names = sys.argv[1], sys.argv[2], sys.argv[3:]
v = "${UV_VERSION}"
files = {
    "uv/__init__.py": b"",
    "uv-%s.data/scripts/uv" % v: ("#!/bin/sh\\ntouch %s\\necho uv %s\\n" % (mark, v)).encode(),
    "uv-%s.dist-info/METADATA" % v: ("Metadata-Version: 2.1\\nName: uv\\nVersion: %s\\n" % v).encode(),
    "uv-%s.dist-info/WHEEL" % v: b"Wheel-Version: 1.0\\nGenerator: attacker\\nRoot-Is-Purelib: false\\nTag: py3-none-any\\n",
}
def rec(p, d):
    h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (p, h, len(d))
lines = [rec(p, d) for p, d in files.items()] + ["uv-%s.dist-info/RECORD,," % v]
files["uv-%s.dist-info/RECORD" % v] = ("\\n".join(lines) + "\\n").encode()
os.makedirs(out, exist_ok=True)
for name in names:
    with zipfile.ZipFile(os.path.join(out, name), "w") as z:
        for p, d in files.items():
            i = zipfile.ZipInfo(p)
            i.external_attr = 0o755 << 16
            z.writestr(i, d)
`;
  const names = [`uv-${UV_VERSION}-py3-none-any.whl`, hostWheelName()!];
  const out = await new Deno.Command(helperPython(), {
    args: ["-I", "-c", script, dir, mark, ...names],
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

const noUvPath = pathWithoutUv();
const { ignore: skip, why } = requires(
  need(!IGNORE, "no Python >= 3.8 under $PYENV_ROOT/versions"),
  need(noUvPath !== null, "this host has a uv in /usr/bin or /bin"),
  need(hostWheelName() !== null, "prime pins no uv wheel for this platform"),
);

Deno.test({
  name: "a repo's --find-links with a fake uv 0.13.9 (both routes) never reaches the uv cache" +
    why,
  ignore: skip,
  async fn() {
    const { dir, cache, env } = await makeRepo({
      // No venv_driver: prime tries to obtain uv, with the repo's install_args.
      toml: primeToml(["greeting==1.0"]).replace('venv_driver = "venv_pip"\n', ""),
    });
    const mark = join(dir, "fake-uv-ran");
    await fakeUvWheel(join(dir, "wheels"), mark);
    const runEnv = { ...env, PATH: noUvPath! };

    const r = await runPrime(["-v", "sync"], { cwd: dir, env: runEnv });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /venv_pip/, "prime fell back to pip");
    assert.match(r.stderr, /(hash|sha256)/i, "the refusal names the hash check");
    assert.ok(!pathExists(join(cache, "uv", UV_VERSION)), "a uv was cached");
    assert.ok(!pathExists(mark), "the fake uv ran");

    // Asked for uv outright: exit 5, each route says why, still nothing cached or run.
    await Deno.writeTextFile(
      join(dir, "prime.toml"),
      primeToml(["greeting==1.0"]).replace("venv_pip", "venv_uv"),
    );
    const u = await runPrime(["sync"], { cwd: dir, env: runEnv });
    assert.equal(u.code, 5, u.stderr);
    assert.match(u.stderr, /helper venv: pip install uv==0\.13\.9 failed/);
    assert.match(u.stderr, new RegExp(`${hostWheelName()!.replaceAll(".", "\\.")} has sha256`));
    assert.ok(!pathExists(join(cache, "uv", UV_VERSION)), "a uv was cached");
    assert.ok(!pathExists(mark), "the fake uv ran");
  },
});

Deno.test({
  name: "a uv cached before wheels were verified (no `verified` in current.json) is not used" +
    why,
  ignore: skip,
  async fn() {
    const { dir, cache, env } = await makeRepo({
      toml: primeToml(["greeting==1.0"]).replace("venv_pip", "venv_uv"),
    });
    const mark = join(dir, "old-uv-ran");
    const bin = join(cache, "uv", UV_VERSION, "uv");
    await Deno.mkdir(join(bin, ".."), { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(bin, `#!/bin/sh\ntouch ${mark}\necho uv ${UV_VERSION}\n`, {
      mode: 0o755,
    });
    await Deno.writeTextFile(
      join(cache, "uv", "current.json"),
      JSON.stringify({ path: bin, version: UV_VERSION }),
    );
    const r = await runPrime(["--offline", "sync"], { cwd: dir, env: { ...env, PATH: noUvPath! } });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /no verified uv/);
    assert.ok(!pathExists(mark), "the unverified cached uv ran");
  },
});
