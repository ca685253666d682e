/**
 * `prime bundle`: the bundle is built by the CLI as a user runs it, then moved, linked,
 * installed into a fake root and run with no prime, no venv, no cache and no network,
 * by real Pythons from pyenv.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildRepo,
  makeWheel,
  PRIME,
  pyenvPythons,
  runPrime,
  tempTree,
  testEnv,
} from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";
import { listFiles } from "../../src/bundle/tree.ts";
import { realUv } from "../helpers/uv.ts";

const py312 = pyenvPythons().find((p) => p.minor === "3.12");
const py311 = pyenvPythons().find((p) => p.minor === "3.11");
const { ignore, why } = requires(
  need(py312 !== undefined, "no CPython 3.12 under $PYENV_ROOT/versions"),
);

/** Whether this process may make namespaces (unshare -n -m needs root). */
const canUnshare = await (async () => {
  try {
    const r = await new Deno.Command("unshare", { args: ["-n", "-m", "true"] }).output();
    return r.code === 0;
  } catch {
    return false;
  }
})();

/** The app the first test bundles: a script using a wheel and a python_path module. */
const TOOL = `import os, sys, greeting, helper, sibling
print(greeting.hello("t"))
print(helper.WHO)
print(repr(sys.argv[1:]))
print(os.getpid())
print(sibling.NAME, sys.flags.dev_mode, sys.flags.isolated)
sys.exit(int(os.environ.get("EXIT_WITH", "0")))
`;

async function makeProject(
  extraToml = "",
  files: Record<string, string> = {},
  deps = ["greeting==1.0"],
  required = "3.12",
) {
  return await buildRepo({
    wheels: [["greeting", "1.0"], ["greeting", "2.0"]],
    files: {
      "prime.toml": `required_python_version = "${required}"
venv_driver = "venv_pip"
dependencies = ${JSON.stringify(deps)}
install_args = ["--no-index", "--find-links", "wheels"]
python_path = ["src"]
${extraToml}`,
      "src/helper/__init__.py": 'WHO = "helper from python_path"\n',
      "tool.py": TOOL,
      "sibling.py": 'NAME = "sibling module"\n',
      ...files,
    },
  });
}

/** A PATH with only `python3.12` (a link to pyenv's) and the basic tools: no prime, no shims. */
async function bareBin(py: string, name = "python3.12"): Promise<string> {
  const bin = await tempTree();
  await Deno.symlink(py, join(bin, name));
  return bin;
}

/** Runs a program with exactly `env`, optionally under `unshare` flags. */
async function runIn(
  program: string,
  args: string[],
  env: Record<string, string>,
  wrap: string[] = [],
) {
  const argv = [...wrap, program, ...args];
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    env,
    clearEnv: true,
    cwd: "/",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Files under dir whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const pat = new TextEncoder().encode(needle);
  return listFiles(dir).filter((f) => {
    const data = Deno.readFileSync(join(dir, f));
    outer: for (let i = data.indexOf(pat[0]); i >= 0; i = data.indexOf(pat[0], i + 1)) {
      for (let j = 1; j < pat.length; j++) if (data[i + j] !== pat[j]) continue outer;
      return true;
    }
    return false;
  });
}

Deno.test({
  name: "a bundle runs after a move, through a symlink, with no prime, cache or network" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeProject();
    const built = await runPrime(["bundle", "tool.py", "--output", "dist/tool"], { cwd: dir, env });
    assert.equal(built.code, 0, built.stderr);
    assert.equal(built.stdout, "");
    assert.match(built.stderr, /bundle dist\/tool written \(bin\/tool, 1 distributions/);
    const manifest = JSON.parse(await Deno.readTextFile(join(dir, "dist/tool/prime-bundle.json")));
    assert.equal(manifest.entry.kind, "script");
    assert.equal(manifest.python.requires_text, "3.12");
    assert.equal(manifest.pure, true);
    assert.deepEqual(manifest.distributions, [
      { name: "greeting", version: "1.0", tags: ["py3-none-any"] },
    ]);
    assert.match(manifest.content_hash, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(filesContaining(join(dir, "dist/tool"), dir), [], "no file names the build");

    // Move it away from the repo, and start it through a link in another bin dir.
    const place = await tempTree();
    await Deno.rename(join(dir, "dist/tool"), join(place, "tool"));
    await Deno.remove(dir, { recursive: true });
    const otherBin = await tempTree();
    await Deno.symlink(join(place, "tool/bin/tool"), join(otherBin, "tool"));
    const pyBin = await bareBin(py312!.path);
    const home = await tempTree();
    const runEnv = {
      PATH: `${pyBin}:/usr/bin:/bin`,
      HOME: home,
      PRIME_CACHE_DIR: await tempTree(),
      EXIT_WITH: "7",
      PYTHONDEVMODE: "1",
    };
    const wrap = canUnshare ? ["unshare", "-n", "--"] : [];
    const r = await runIn(join(otherBin, "tool"), ["a b", "--help", "-v"], runEnv, wrap);
    assert.equal(r.code, 7, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.deepEqual(lines.slice(0, 3), [
      "hello, t, from greeting 1.0",
      "helper from python_path",
      "['a b', '--help', '-v']",
    ]);
    assert.equal(r.stderr, "");
    assert.ok(Number(lines[3]) > 0);
    // As with `prime tool.py`: the script's own directory is importable, and runtime
    // settings (PYTHONDEVMODE) reach the program.
    assert.equal(lines[4], "sibling module True 0");

    // The shell execs Python: the program keeps the launcher's PID.
    const child = new Deno.Command(join(otherBin, "tool"), {
      env: runEnv,
      clearEnv: true,
      stdout: "piped",
    }).spawn();
    const out = new TextDecoder().decode((await child.output()).stdout).trim().split("\n");
    assert.equal(Number(out[3]), child.pid);

    // PYTHONPATH, the user site and the interpreter's own site-packages all hold
    // greeting 2.0; lib/ wins over each.
    const shadow = await tempTree({
      "greeting/__init__.py": "def hello(w): return 'PYTHONPATH'\n",
    });
    await Deno.mkdir(join(home, ".local/lib/python3.12/site-packages/greeting"), {
      recursive: true,
    });
    await Deno.writeTextFile(
      join(home, ".local/lib/python3.12/site-packages/greeting/__init__.py"),
      "def hello(w): return 'user site'\n",
    );
    const base = join(await tempTree(), "base");
    const mk = await new Deno.Command(py312!.path, {
      args: ["-I", "-m", "venv", "--without-pip", base],
    }).output();
    assert.equal(mk.code, 0);
    const site = join(base, "lib/python3.12/site-packages");
    await Deno.mkdir(join(site, "greeting"));
    await Deno.writeTextFile(join(site, "greeting/__init__.py"), "def hello(w): return 'site'\n");
    const shadowed = await runIn(join(otherBin, "tool"), [], {
      ...runEnv,
      EXIT_WITH: "0",
      PYTHONPATH: shadow,
      PYTHONUSERBASE: join(home, ".local"),
      PRIME_BUNDLE_PYTHON: join(base, "bin/python"),
    });
    assert.equal(shadowed.code, 0, shadowed.stderr);
    assert.equal(shadowed.stdout.split("\n")[0], "hello, t, from greeting 1.0");

    // Read-only, and offline: nothing is written into the bundle, nothing fetched.
    if (canUnshare) {
      const ro = await runIn(
        "sh",
        [
          "-c",
          `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$1"`,
          place,
          join(otherBin, "tool"),
        ],
        runEnv,
        ["unshare", "-n", "-m", "--"],
      );
      assert.equal(ro.code, 7, ro.stderr);
      assert.equal(ro.stdout.split("\n")[0], "hello, t, from greeting 1.0");
    }
  },
});

/** A PEP 517 backend (no network) for the project `shout`: a console script, editable installs. */
const BACKEND = `import base64, hashlib, os, zipfile

DIST = "shout-0.3"


def _wheel(directory, files):
    meta = b"Metadata-Version: 2.1\\nName: shout\\nVersion: 0.3\\nRequires-Dist: greeting\\n"
    wheel = b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    eps = b"[console_scripts]\\nshout = shout.cli:main\\n"
    files = files + [(DIST + ".dist-info/METADATA", meta), (DIST + ".dist-info/WHEEL", wheel),
                     (DIST + ".dist-info/entry_points.txt", eps)]
    name = DIST + "-py3-none-any.whl"
    lines = []
    with zipfile.ZipFile(os.path.join(directory, name), "w") as zf:
        for path, data in files:
            zf.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            lines.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        lines.append(DIST + ".dist-info/RECORD,,")
        zf.writestr(DIST + ".dist-info/RECORD", "\\n".join(lines) + "\\n")
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    here = os.path.dirname(os.path.abspath(__file__))
    files = []
    for n in sorted(os.listdir(os.path.join(here, "shout"))):
        if n.endswith(".py"):
            with open(os.path.join(here, "shout", n), "rb") as f:
                files.append(("shout/" + n, f.read()))
    return _wheel(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    here = os.path.dirname(os.path.abspath(__file__))
    return _wheel(wheel_directory, [("_shout.pth", (here + "\\n").encode())])
`;

async function makeShoutProject() {
  return await makeProject('project_dirs = ["proj"]', {
    "proj/pyproject.toml": `[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[project]
name = "shout"
version = "0.3"
`,
    "proj/backend.py": BACKEND,
    "proj/shout/__init__.py": "",
    "proj/shout/cli.py": `import sys, greeting
def main():
    print(greeting.hello("cli").upper(), sys.argv[0].rsplit("/", 1)[-1], sys.argv[1:])
    return 3
`,
  });
}

Deno.test({
  name: "a console script and a module:function are bundled, and the project is copied in" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeShoutProject();
    const pyBin = await bareBin(py312!.path);
    const runEnv = { PATH: `${pyBin}:/usr/bin:/bin`, HOME: await tempTree() };

    const cs = await runPrime(["bundle", "shout", "--output", "out/cs"], { cwd: dir, env });
    assert.equal(cs.code, 0, cs.stderr);
    const m = JSON.parse(await Deno.readTextFile(join(dir, "out/cs/prime-bundle.json")));
    assert.equal(m.entry.kind, "function");
    assert.equal(m.entry.module, "shout.cli");
    assert.match(m.entry.source, /console script shout of shout/);
    const lib = listFiles(join(dir, "out/cs/lib")).filter((f) => !f.includes("__pycache__"));
    assert.ok(lib.includes("shout/cli.py"), lib.join(" "));
    assert.ok(
      !lib.some((f) => f.endsWith(".pth") && f !== "_prime_python_path.pth"),
      lib.join(" "),
    );
    assert.ok(!lib.some((f) => f.startsWith("bin/")), "no console-script file with a shebang");
    assert.deepEqual(filesContaining(join(dir, "out/cs"), dir), []);

    const fn = await runPrime(
      ["bundle", "shout.cli:main", "--name", "yell", "--output", "out/fn"],
      {
        cwd: dir,
        env,
      },
    );
    assert.equal(fn.code, 0, fn.stderr);

    // Both run from copies, with the repo gone.
    const place = await tempTree();
    for (const d of ["cs", "fn"]) {
      const cp = await new Deno.Command("cp", { args: ["-r", join(dir, "out", d), place] })
        .output();
      assert.equal(cp.code, 0);
    }
    await Deno.remove(dir, { recursive: true });
    const a = await runIn(join(place, "cs/bin/shout"), ["x", "-y"], runEnv);
    assert.equal(a.code, 3, a.stderr);
    assert.equal(a.stdout, "HELLO, CLI, FROM GREETING 1.0 shout ['x', '-y']\n");
    const b = await runIn(join(place, "fn/bin/yell"), [], runEnv);
    assert.equal(b.code, 3, b.stderr);
    assert.equal(b.stdout, "HELLO, CLI, FROM GREETING 1.0 yell []\n");
  },
});

Deno.test({
  name: "a bundle with a binary wheel refuses a Python of another minor version" +
    (requires(need(py311, "needs CPython 3.11 and 3.12 under pyenv")).why || why),
  ignore: ignore || py311 === undefined,
  async fn() {
    const { dir, env } = await makeProject("", {}, ["greeting==1.0", "fastthing"], ">=3.10");
    await makeWheel(join(dir, "wheels"), "fastthing", "1.0", [], "cp312-cp312-linux_x86_64");
    // Any 3.10+ satisfies the requirement; only the wheel's ABI rules 3.11 out.
    const built = await runPrime(["--python", "3.12", "bundle", "tool.py", "--output", "b"], {
      cwd: dir,
      env,
    });
    assert.equal(built.code, 0, built.stderr);
    const m = JSON.parse(await Deno.readTextFile(join(dir, "b/prime-bundle.json")));
    assert.equal(m.pure, false);
    assert.deepEqual(m.binary, [
      { name: "fastthing", version: "1.0", tags: ["cp312-cp312-linux_x86_64"] },
    ]);

    // 3.11 forced: refused by name, with what it needs.
    const home = await tempTree();
    const forced = await runIn(join(dir, "b/bin/tool"), [], {
      PATH: "/usr/bin:/bin",
      HOME: home,
      PRIME_BUNDLE_PYTHON: py311!.path,
    });
    assert.equal(forced.code, 4);
    assert.equal(forced.stdout, "");
    assert.match(
      forced.stderr,
      /^tool: no Python that can run it: it needs Python >=3\.10 with ABI cp312/,
    );
    assert.match(forced.stderr, /fastthing 1\.0 is built for cp312-cp312-linux_x86_64.*cp311/);

    // Only 3.11 to be found (PATH and the usual places): refused, every candidate named.
    const only311 = await bareBin(py311!.path, "python3");
    const none = await runIn(join(dir, "b/bin/tool"), [], {
      PATH: `${only311}:/usr/bin:/bin`,
      HOME: home,
      PYENV_ROOT: join(home, "no-pyenv"),
    });
    assert.equal(none.code, 4, none.stderr);
    assert.match(none.stderr, new RegExp(`${only311}/python3: fastthing 1\\.0 .*\\(cp311, linux`));
    assert.match(none.stderr, /hint: install that Python, or point PRIME_BUNDLE_PYTHON at one/);

    // With 3.12 among the usual places (pyenv), the bootstrap re-execs it.
    const found = await runIn(join(dir, "b/bin/tool"), [], {
      PATH: `${only311}:/usr/bin:/bin`,
      HOME: home,
      PYENV_ROOT: Deno.env.get("PYENV_ROOT") ?? `${Deno.env.get("HOME")}/.pyenv`,
    });
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.stdout.split("\n")[0], "hello, t, from greeting 1.0");
  },
});

Deno.test({
  name: "a Debian-style install (/usr/share/NAME, /usr/bin/NAME link) runs from a fake root" +
    why,
  ignore,
  async fn() {
    const { dir, env } = await makeProject();
    const built = await runPrime(["bundle", "tool.py", "--name", "mytool", "--output", "b"], {
      cwd: dir,
      env,
    });
    assert.equal(built.code, 0, built.stderr);
    const root = await tempTree();
    await Deno.mkdir(join(root, "usr/share"), { recursive: true });
    await Deno.mkdir(join(root, "usr/bin"), { recursive: true });
    const cp = await new Deno.Command("cp", {
      args: ["-r", join(dir, "b"), join(root, "usr/share/mytool")],
    }).output();
    assert.equal(cp.code, 0);
    await Deno.symlink("../share/mytool/bin/mytool", join(root, "usr/bin/mytool"));
    const pyBin = await bareBin(py312!.path);
    const r = await runIn(join(root, "usr/bin/mytool"), ["deb"], {
      PATH: `${root}/usr/bin:${pyBin}:/usr/bin:/bin`,
      HOME: await tempTree(),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split("\n").slice(0, 3), [
      "hello, t, from greeting 1.0",
      "helper from python_path",
      "['deb']",
    ]);
    // Started by name through PATH, as a user would after `dpkg -i`.
    const byName = await runIn("sh", ["-c", "mytool by-name"], {
      PATH: `${root}/usr/bin:${pyBin}:/usr/bin:/bin`,
      HOME: await tempTree(),
    });
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal(byName.stdout.split("\n")[2], "['by-name']");
  },
});

Deno.test({
  name: "--deps-only writes lib/ and the manifest; --dry-run lists and writes nothing" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeShoutProject();
    const dry = await runPrime(["bundle", "tool.py", "--dry-run"], { cwd: dir, env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /greeting 1\.0 +pure +\d+ B/);
    assert.match(dry.stderr, /project proj +non-editable/);
    assert.match(dry.stderr, /app\/src +python_path/);
    assert.match(dry.stderr, /app\/tool\.py +entry script/);
    assert.match(dry.stderr, /app\/sibling\.py +beside the script/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      ".prime", // the venv's generations (.venv links to the live one)
      ".venv",
      "prime.toml",
      "proj",
      "sibling.py",
      "src",
      "tool.py",
      "wheels",
    ]);

    const deps = await runPrime(["bundle", "--deps-only", "--output", "vendor"], { cwd: dir, env });
    assert.equal(deps.code, 0, deps.stderr);
    assert.deepEqual([...Deno.readDirSync(join(dir, "vendor"))].map((e) => e.name).sort(), [
      "lib",
      "prime-bundle.json",
    ]);
    const lib = listFiles(join(dir, "vendor/lib")).filter((f) => !f.includes("__pycache__"));
    assert.ok(lib.includes("greeting/__init__.py"));
    assert.ok(!lib.some((f) => f.startsWith("shout")), "the project itself is not a dependency");
    const m = JSON.parse(await Deno.readTextFile(join(dir, "vendor/prime-bundle.json")));
    assert.equal(m.entry, null);
  },
});

Deno.test({
  name: "bundle refuses a non-empty output dir and an unknown entry, and replaces its own" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeProject();
    await Deno.mkdir(join(dir, "taken"));
    await Deno.writeTextFile(join(dir, "taken/keep.txt"), "mine");
    const taken = await runPrime(["bundle", "tool.py", "--output", "taken"], { cwd: dir, env });
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /is not empty and holds no bundle/);
    assert.equal(await Deno.readTextFile(join(dir, "taken/keep.txt")), "mine");

    const unknown = await runPrime(["bundle", "nosuch", "--output", "x"], { cwd: dir, env });
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /nosuch is neither a file, a module:function, nor a console script/,
    );
    assert.throws(() => Deno.statSync(join(dir, "x")));

    const missing = await runPrime(["bundle", "gone.py", "--output", "x"], { cwd: dir, env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /script gone\.py not found/);

    const first = await runPrime(["bundle", "tool.py", "--output", "b"], { cwd: dir, env });
    assert.equal(first.code, 0, first.stderr);
    await Deno.writeTextFile(join(dir, "tool.py"), 'print("v2")\n');
    const second = await runPrime(["bundle", "tool.py", "--output", "b"], { cwd: dir, env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "b/app/tool.py")), 'print("v2")\n');

    // A failing program shows the traceback `python tool.py` would: no bootstrap frames.
    await Deno.writeTextFile(
      join(dir, "tool.py"),
      'def f():\n    raise RuntimeError("boom")\nf()\n',
    );
    const third = await runPrime(["bundle", "tool.py", "--output", "b"], { cwd: dir, env });
    assert.equal(third.code, 0, third.stderr);
    const failed = await runIn(join(dir, "b/bin/tool"), [], {
      PATH: `${await bareBin(py312!.path)}:/usr/bin:/bin`,
      HOME: await tempTree(),
    });
    assert.equal(failed.code, 1);
    assert.match(
      failed.stderr,
      new RegExp(
        `^Traceback \\(most recent call last\\):\n  File "${dir}/b/app/tool\\.py", line 3`,
      ),
    );
    assert.doesNotMatch(failed.stderr, /prime-bundle\.py|runpy/);
    assert.match(failed.stderr, /RuntimeError: boom\n$/);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes("prime-bundle")),
      [],
      "no temp dir left behind",
    );
  },
});

Deno.test({
  name: 'isolation = "strict" gives the bundle python -I and leaves the script\'s siblings out' +
    why,
  ignore,
  async fn() {
    const { dir, env } = await makeProject('isolation = "strict"', {
      "strict.py": `import sys, greeting
print(greeting.hello("s"), sys.flags.isolated, sys.flags.dev_mode)
`,
    });
    const built = await runPrime(["bundle", "strict.py", "--output", "b"], { cwd: dir, env });
    assert.equal(built.code, 0, built.stderr);
    const m = JSON.parse(await Deno.readTextFile(join(dir, "b/prime-bundle.json")));
    assert.equal(m.isolation, "strict");
    assert.deepEqual(listFiles(join(dir, "b/app")).filter((f) => !f.includes("__pycache__")), [
      "src/helper/__init__.py",
      "strict.py",
    ]);
    const pyBin = await bareBin(py312!.path);
    const r = await runIn(join(dir, "b/bin/strict"), [], {
      PATH: `${pyBin}:/usr/bin:/bin`,
      HOME: await tempTree(),
      PYTHONDEVMODE: "1",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "hello, s, from greeting 1.0 1 False\n");
  },
});

Deno.test({
  name: "a FIFO, a link to /dev/zero, a link loop and a link out of the repo are skipped" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeProject();
    const mk = await new Deno.Command("mkfifo", { args: [join(dir, "src/fifo.py")] }).output();
    assert.equal(mk.code, 0);
    await Deno.symlink("/dev/zero", join(dir, "src/zero.py"));
    await Deno.symlink("..", join(dir, "src/helper/loop"));
    await Deno.symlink("/etc", join(dir, "src/etc"));
    const built = await runPrime(["bundle", "tool.py", "--output", "b"], { cwd: dir, env });
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stderr, /skipped .*src\/fifo\.py \(not a regular file or directory\)/);
    assert.match(
      built.stderr,
      /skipped .*src\/zero\.py \(a link out of the ref root, to \/dev\/zero\)/,
    );
    assert.match(built.stderr, /skipped .*src\/etc \(a link out of the ref root, to \/etc\)/);
    assert.match(built.stderr, /skipped .*\(a symlink loop\)/);
    const app = listFiles(join(dir, "b/app")).filter((f) => !f.includes("__pycache__"));
    assert.ok(!app.some((f) => /fifo|zero|etc\//.test(f)), app.join(" "));
    assert.ok(app.includes("src/helper/__init__.py"));
  },
});

Deno.test({
  name: "a PEP 723 script is bundled from its own script env, as `prime SCRIPT` runs it" + why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "pep.py": `# /// script
# requires-python = ">=3.12,<3.13"
# dependencies = ["greeting==1.0"]
# [tool.prime]
# install_args = ["--no-index", "--find-links", "wheels"]
# venv_driver = "venv_pip"
# ///
import sys, greeting
print(greeting.hello("pep"), "%d.%d" % sys.version_info[:2])
`,
    });
    await makeWheel(join(dir, "wheels"), "greeting", "1.0");
    const env = testEnv(await Deno.makeTempDir({ prefix: "prime-cache-" }));
    const built = await runPrime(["bundle", "pep.py", "--output", "out"], { cwd: dir, env });
    assert.equal(built.code, 0, built.stderr);
    const m = JSON.parse(await Deno.readTextFile(join(dir, "out/prime-bundle.json")));
    assert.equal(m.python.requires_text, ">=3.12,<3.13");
    assert.equal(m.python.requires_source, "pep.py (PEP 723 requires-python)");
    const r = await runIn(join(dir, "out/bin/pep"), [], {
      PATH: `${await bareBin(py312!.path)}:/usr/bin:/bin`,
      HOME: await tempTree(),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "hello, pep, from greeting 1.0 3.12\n");

    await Deno.writeTextFile(join(dir, "bare.py"), "print(1)\n");
    const bare = await runPrime(["bundle", "bare.py", "--output", "out2"], { cwd: dir, env });
    assert.equal(bare.code, 3);
    assert.match(bare.stderr, /bare\.py has no PEP 723 block, and no prime\.toml/);
  },
});

// The real pinned uv, taken from its wheel the way prime takes it (see uv_fixture.ts).
const realUvResult = ignore ? null : await realUv();
const uv = realUvResult?.ok ? realUvResult.value.path : null;

Deno.test({
  name: "with the uv driver, the project is installed into lib/ by uv, and runs" +
    (ignore ? why : realUvResult ? requires(realUvResult).why : ""),
  ignore: ignore || uv === null,
  async fn() {
    const { dir, env } = await makeShoutProject();
    const bin = await tempTree();
    await Deno.symlink(uv!, join(bin, "uv"));
    const uvEnv = { ...env, PATH: `${bin}:${env.PATH}`, PRIME_VENV_DRIVER: "venv_uv" };
    const built = await runPrime(["-vv", "bundle", "shout", "--output", "out"], {
      cwd: dir,
      env: uvEnv,
    });
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stderr, /uv pip install .*--target .*--no-deps/);
    const lib = listFiles(join(dir, "out/lib")).filter((f) => !f.includes("__pycache__"));
    assert.ok(lib.includes("shout/cli.py"), lib.join(" "));
    assert.ok(
      !lib.some((f) => f.startsWith("_shout") || f.startsWith("_virtualenv")),
      lib.join(" "),
    );
    assert.deepEqual(filesContaining(join(dir, "out"), dir), []);
    const r = await runIn(join(dir, "out/bin/shout"), ["u"], {
      PATH: `${await bareBin(py312!.path)}:/usr/bin:/bin`,
      HOME: await tempTree(),
    });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, "HELLO, CLI, FROM GREETING 1.0 shout ['u']\n");
  },
});

/** Whether uid 65534 can run a python3 >= 3.8 from /usr/bin:/bin (pyenv's, under /root, it cannot). */
const otherUser = await (async () => {
  try {
    const r = await new Deno.Command("setpriv", {
      args: [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "python3",
        "-c",
        "import sys; assert sys.version_info >= (3, 8)",
      ],
      env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" },
      clearEnv: true,
      stdout: "null",
      stderr: "null",
    }).output();
    return r.code === 0;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "a bundle built under umask 077 is readable and runs as another user" +
    (requires(need(otherUser, "needs root, setpriv, and a python3 >= 3.8 in /usr/bin or /bin"))
      .why ||
      why),
  ignore: ignore || !otherUser,
  async fn() {
    const { dir, env } = await makeProject("", {}, ["greeting==1.0"], ">=3.8");
    const built = await new Deno.Command("sh", {
      args: [
        "-c",
        'umask 077; exec "$0" "$@"',
        PRIME,
        "--python",
        "3.12",
        "bundle",
        "tool.py",
        "-o",
        "b",
      ],
      cwd: dir,
      env,
      clearEnv: true,
    }).output();
    assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));
    const unreadable = listFiles(join(dir, "b")).filter((f) =>
      ((Deno.statSync(join(dir, "b", f)).mode ?? 0) & 0o004) === 0
    );
    assert.deepEqual(unreadable, []);
    const place = await tempTree();
    await Deno.chmod(place, 0o755);
    await Deno.rename(join(dir, "b"), join(place, "b"));
    const r = await runIn(join(place, "b/bin/tool"), ["as", "nobody"], {
      PATH: "/usr/bin:/bin",
      HOME: "/nonexistent",
    }, ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split("\n").slice(0, 3), [
      "hello, t, from greeting 1.0",
      "helper from python_path",
      "['as', 'nobody']",
    ]);
  },
});

Deno.test({
  name: 'python_path = ["."] with the bundle inside the repo copies the repo, not the bundle' +
    why,
  ignore,
  async fn() {
    const { dir, env } = await makeProject('python_path = [".", "src"]', {}, [
      "greeting==1.0",
    ]);
    // makeProject's own python_path line is replaced by the one above.
    const toml = await Deno.readTextFile(join(dir, "prime.toml"));
    await Deno.writeTextFile(
      join(dir, "prime.toml"),
      toml.replace('python_path = ["src"]\n', ""),
    );
    for (const round of [1, 2]) {
      const built = await runPrime(["bundle", "tool.py", "-o", "dist/t"], { cwd: dir, env });
      assert.equal(built.code, 0, `round ${round}: ${built.stderr}`);
    }
    const app = listFiles(join(dir, "dist/t/app")).filter((f) => !f.includes("__pycache__"));
    assert.ok(app.includes("tool.py") && app.includes("src/helper/__init__.py"), app.join(" "));
    assert.ok(!app.some((f) => f.startsWith("dist/") || f.startsWith(".venv/")), app.join(" "));
    assert.equal(
      await Deno.readTextFile(join(dir, "dist/t/lib/_prime_python_path.pth")),
      "../app/.\n../app/src\n",
    );
    const r = await runIn(join(dir, "dist/t/bin/tool"), [], {
      PATH: `${await bareBin(py312!.path)}:/usr/bin:/bin`,
      HOME: await tempTree(),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split("\n")[1], "helper from python_path");
  },
});
