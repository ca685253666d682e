/**
 * A host with no Python at all, proven end to end: in a mount namespace where every
 * python* (and uv) on PATH, in /usr/bin, /usr/local/bin and under pyenv is hidden,
 * `prime app.py` obtains uv from a find-links page on 127.0.0.1, has uv install a
 * CPython from a local mirror (UV_PYTHON_INSTALL_MIRROR plus a downloads list, since
 * uv only trusts archives whose sha256 it knows), builds the venv with a local wheel
 * and runs the program. The CPython archive is built here from the system python3
 * (its libraries stay visible in /usr/lib), in the install_only layout uv expects.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeWheel, runPrime, tempTree, testEnv, unshareWorks } from "../helpers/fixtures.ts";
import { serveWheels } from "../helpers/reliability.ts";
import { uvWheel } from "../helpers/uv.ts";
import { need, requires } from "../helpers/requires.ts";

const SYSTEM_PYTHON = "/usr/bin/python3";
/** uv rewrites this prefix of a download URL to UV_PYTHON_INSTALL_MIRROR. */
const PBS_PREFIX = "https://github.com/astral-sh/python-build-standalone/releases/download";
const BUILD = "20990101";

const ARCH = Deno.build.arch; // "x86_64" | "aarch64", as python-build-standalone names them

function why(): string {
  if (Deno.build.os !== "linux") return "not Linux";
  if (!unshareWorks("-m")) return "`unshare -m` is not permitted here";
  try {
    Deno.statSync(SYSTEM_PYTHON);
  } catch {
    return `no ${SYSTEM_PYTHON} to pack into a mirror archive`;
  }
  return "";
}
/** The real uv wheel the local index serves (downloaded from PyPI once per machine). */
const WHEEL = why() === "" ? await uvWheel() : null;
const WHY = why() || (WHEEL && !WHEEL.ok ? WHEEL.why : "");

async function sh(script: string, args: string[] = []): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", script, "sh", ...args] }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) {
    throw new Error(`${script}\n${text}${new TextDecoder().decode(out.stderr)}`);
  }
  return text.trim();
}

async function sha256Hex(path: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(path)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Packs the system python3 as python-build-standalone's install_only archive into
 * mirror/<BUILD>/ and writes a downloads list naming it. Returns its version, or
 * throws when the packed interpreter does not run from its new place.
 */
async function buildMirror(
  root: string,
): Promise<{ version: string; json: string; mirror: string }> {
  const [version, stdlib] = (await sh(
    `"$1" -I -c 'import sys, sysconfig; print("%d.%d.%d" % sys.version_info[:3]); print(sysconfig.get_paths()["stdlib"])'`,
    [SYSTEM_PYTHON],
  )).split("\n");
  const minor = version.split(".").slice(0, 2).join(".");
  const stage = join(root, "stage");
  // Symlinks are followed (-h): uv refuses archives with absolute link targets.
  await sh(
    `set -e; mkdir -p "$1/python/bin" "$1/python/lib"
cp "$(readlink -f "$2")" "$1/python/bin/python$3"
ln -s "python$3" "$1/python/bin/python3"; ln -s "python$3" "$1/python/bin/python"
cd "$(dirname "$4")"
tar -h --exclude="$(basename "$4")/test" --exclude=__pycache__ --exclude="$(basename "$4")/dist-packages" \
  --exclude="$(basename "$4")/site-packages" --exclude="$(basename "$4")/config-*" \
  -cf - "$(basename "$4")" | tar -C "$1/python/lib" -xf -
"$1/python/bin/python3" -I -c 'import encodings, json, sys; assert sys.prefix == sys.argv[1], sys.prefix' "$1/python"`,
    [stage, SYSTEM_PYTHON, minor, stdlib],
  );
  const file = `cpython-${version}+${BUILD}-${ARCH}-unknown-linux-gnu-install_only.tar.gz`;
  const mirror = join(root, "mirror");
  await Deno.mkdir(join(mirror, BUILD), { recursive: true });
  await sh(`tar -C "$1" -czf "$2" python`, [stage, join(mirror, BUILD, file)]);
  const [major, min, patch] = version.split(".").map(Number);
  const json = join(root, "downloads.json");
  await Deno.writeTextFile(
    json,
    JSON.stringify({
      [`cpython-${version}-linux-${ARCH}-gnu`]: {
        name: "cpython",
        arch: { family: ARCH, variant: null },
        os: "linux",
        libc: "gnu",
        major,
        minor: min,
        patch,
        prerelease: "",
        url: `${PBS_PREFIX}/${BUILD}/${file.replace("+", "%2B")}`,
        sha256: await sha256Hex(join(mirror, BUILD, file)),
        variant: null,
        build: BUILD,
      },
    }),
  );
  return { version, json, mirror };
}

/**
 * Run as `sh -c HIDE sh EMPTY PYENV_ROOT CMD...` inside `unshare -m`: every python*,
 * uv and uvx in the system bin dirs gets an empty, non-executable file mounted over
 * it, pyenv's root a tmpfs; then it checks nothing named python is left and execs CMD.
 */
const HIDE = `set -e
empty=$1; pyenv=$2; shift 2
if [ -n "$pyenv" ] && [ -d "$pyenv" ]; then mount -t tmpfs tmpfs "$pyenv"; fi
for d in /usr/local/bin /usr/local/sbin /usr/bin /usr/sbin /bin /sbin; do
  for f in "$d"/python* "$d"/uv "$d"/uvx; do
    if [ -e "$f" ]; then mount --bind "$empty" "$f"; fi
  done
done
for n in python python2 python3 python3.8 python3.9 python3.10 python3.11 python3.12 python3.13 python3.14 uv; do
  if command -v "$n" >/dev/null 2>&1; then echo "still visible: $(command -v "$n")" >&2; exit 99; fi
done
exec "$@"`;

Deno.test({
  name:
    `with no Python anywhere, prime gets uv from 127.0.0.1, a CPython from a local mirror, and runs the program${
      requires(need(!WHY, WHY)).why
    }`,
  ignore: WHY !== "",
  async fn() {
    if (!WHEEL?.ok) throw new Error("unreachable: the test is ignored without the uv wheel");
    const wheel = WHEEL;
    const root = await tempTree();
    const { version, json, mirror } = await buildMirror(root);
    const minor = version.split(".").slice(0, 2).join(".");

    const index = join(root, "index");
    await Deno.mkdir(index);
    await Deno.copyFile(
      wheel.value,
      join(index, wheel.value.slice(wheel.value.lastIndexOf("/") + 1)),
    );
    await makeWheel(index, "greeting", "1.0");
    const wheels = serveWheels(index);
    const downloads = serveWheels(mirror);
    try {
      const app = await tempTree({
        "prime.toml": `required_python_version = "${minor}"
venv_driver = "venv_uv"
dependencies = ["greeting==1.0"]
install_args = ["--no-index", "--find-links", "${wheels.url}"]
`,
        "app.py": `import sys, greeting
print(greeting.hello("no-python host"))
print(sys.version.split()[0])
print(sys.base_prefix)
`,
      });
      const home = join(root, "home");
      await Deno.mkdir(home);
      const empty = join(root, "not-python");
      await Deno.writeTextFile(empty, "");
      const cache = join(root, "prime-cache");
      const env = testEnv(cache, {
        HOME: home,
        PATH: "/usr/local/bin:/usr/bin:/bin",
        UV_PYTHON_INSTALL_MIRROR: downloads.url.replace(/\/$/, ""),
        UV_PYTHON_DOWNLOADS_JSON_URL: json,
        UV_CACHE_DIR: join(root, "uv-cache"),
        NO_PROXY: "127.0.0.1",
        no_proxy: "127.0.0.1",
      });
      const pyenvRoot = Deno.env.get("PYENV_ROOT") ?? join(Deno.env.get("HOME") ?? "/", ".pyenv");
      const r = await runPrime(["app.py"], {
        cwd: app,
        env,
        wrap: ["unshare", "-m", "sh", "-c", HIDE, "sh", empty, pyenvRoot],
      });
      assert.notEqual(r.code, 99, `a Python was still visible: ${r.stderr}`);
      assert.equal(r.code, 0, r.stderr);
      const [hello, ran, basePrefix] = r.stdout.trim().split("\n");
      assert.equal(hello, "hello, no-python host, from greeting 1.0");
      assert.equal(ran, version);
      assert.ok(
        basePrefix.startsWith(join(home, ".local", "share", "uv", "python")),
        `the interpreter is the one uv installed: ${basePrefix}`,
      );
      // Each source was really used: the uv wheel from the index, the archive from the mirror.
      assert.ok(
        [...wheels.counts.keys()].some((k) => k.startsWith("uv-")),
        [...wheels.counts.keys()].join(),
      );
      assert.ok(
        [...downloads.counts.keys()].some((k) => k.endsWith(".tar.gz")),
        [...downloads.counts.keys()].join(),
      );
    } finally {
      await wheels.close();
      await downloads.close();
    }
  },
});
