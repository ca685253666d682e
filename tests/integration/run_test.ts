/**
 * The heart of prime, as a user runs it: a repo, one command, the program runs in its
 * own venv, isolated. Real Pythons, real venvs, real pip, hermetic local wheels.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildRepo,
  makeWheel,
  pathTaken,
  PRIME,
  pyenvPythons,
  type Repo,
  runPrime,
  snapshotTree,
  tempTree,
  testEnv,
} from "../helpers/fixtures.ts";
import { need, requirePython, requires } from "../helpers/requires.ts";

const { py, ignore, why } = requirePython();

const APP = `import sys, os, json
import greeting
print(json.dumps({
  "greeting": greeting.hello("you"),
  "argv": sys.argv[1:],
  "isolated": sys.flags.isolated,
  "no_user_site": sys.flags.no_user_site,
  "executable": sys.executable,
  "prefix": sys.prefix,
  "pid": os.getpid(),
  "virtual_env": os.environ.get("VIRTUAL_ENV"),
  "path0": os.environ["PATH"].split(":")[0],
  "ref_root": os.environ.get("PRIME_REF_ROOT"),
  "pythonpath": os.environ.get("PYTHONPATH"),
  "greeting_file": greeting.__file__,
}))
sys.exit(int(os.environ.get("APP_EXIT", "0")))
`;

/** A repo whose prime.toml installs greeting==1.0 from a local wheel dir. */
function makeRepo(extraToml = "", files: Record<string, string> = {}): Promise<Repo> {
  return buildRepo({
    files: {
      "prime.toml": `required_python_version = "${py!.minor}"
venv_driver = "venv_pip"
dependencies = ["greeting==1.0"]
install_args = ["--no-index", "--find-links", "wheels"]
${extraToml}`,
      "app.py": APP,
      ...files,
    },
    wheels: [["greeting", "1.0"]],
  });
}

Deno.test({
  name: "a cold run builds the venv and runs the script isolated; a warm run is silent" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo();
    const cold = await runPrime(["app.py", "a b", "--help", "-v"], { cwd: dir, env });
    assert.equal(cold.code, 0, cold.stderr);
    const out = JSON.parse(cold.stdout);
    assert.equal(out.greeting, "hello, you, from greeting 1.0");
    assert.deepEqual(out.argv, ["a b", "--help", "-v"]);
    assert.equal(out.isolated, 0, "the default isolation is -s, not -I");
    assert.equal(out.no_user_site, 1);
    assert.equal(out.prefix, join(dir, ".venv"));
    assert.equal(out.virtual_env, join(dir, ".venv"));
    assert.equal(out.path0, join(dir, ".venv", "bin"));
    assert.equal(out.ref_root, dir);
    assert.match(cold.stderr, /building \.venv/);

    const before = snapshotTree(Deno.realPathSync(join(dir, ".venv", "bin", "..")));
    const warm = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(warm.code, 0, warm.stderr);
    assert.equal(warm.stderr, "", "a warm run prints nothing");
    assert.equal(JSON.parse(warm.stdout).greeting, "hello, you, from greeting 1.0");
    assert.deepEqual(
      snapshotTree(Deno.realPathSync(join(dir, ".venv", "bin", ".."))),
      before,
      "a warm run changes nothing",
    );
  },
});

Deno.test({
  name:
    "planted modules in PYTHONPATH, and in the cwd of a script that lies elsewhere, are not imported; -c sees the cwd as python does" +
    why,
  ignore,
  async fn() {
    const { dir, cache, env } = await makeRepo();
    // The working directory is another directory: python itself would not import from
    // it for a script that lies elsewhere, and neither does prime.
    const cwd = await tempTree({
      "greeting.py": "raise SystemExit('planted module imported from cwd')\n",
      "json.py": "raise SystemExit('planted json imported from cwd')\n",
      "evil/greeting.py": "raise SystemExit('planted module imported from PYTHONPATH')\n",
    });
    const r = await runPrime([join(dir, "app.py")], {
      cwd,
      env: { ...env, PYTHONPATH: join(cwd, "evil"), PYTHONHOME: "/nonexistent" },
    });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.match(out.greeting_file, /\.venv\/lib\/python[^/]+\/site-packages\/greeting/);
    assert.equal(out.pythonpath, null, "PYTHONPATH is removed from the program's environment");
    // -c and -m put the working directory first, as under plain python (issue 23: a
    // flat-layout `python -m pytest` imports the package); PYTHONPATH stays removed.
    await Deno.mkdir(join(dir, "sub"));
    await Deno.writeTextFile(join(dir, "sub", "greeting.py"), "print('from cwd')\n");
    const code =
      "import os, greeting, json; print(greeting.__file__, os.environ.get('PYTHONPATH'))";
    for (const round of ["cold", "warm"]) {
      // Without its pointer the warm path cannot find the env: the cold path runs it.
      if (round === "cold") await Deno.remove(join(cache, "pointers"), { recursive: true });
      const c = await runPrime(["-v", "run", "python", "-c", code], {
        cwd: join(dir, "sub"),
        env: { ...env, PYTHONPATH: join(cwd, "evil") },
      });
      assert.equal(c.code, 0, `${round}: ${c.stderr}`);
      assert.equal(pathTaken(c), round, c.stderr);
      assert.match(c.stdout, /sub\/greeting\.py None/, `${round}: ${c.stdout}`);
    }
  },
});

Deno.test({
  name: "the program's exit code and PID are its own (exec, not a child)" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo();
    for (const round of ["cold", "warm"]) {
      const child = new Deno.Command(PRIME, {
        args: ["-v", "app.py"],
        cwd: dir,
        env: { ...env, APP_EXIT: "42" },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const out = await child.output();
      assert.equal(out.code, 42, `${round}: ${new TextDecoder().decode(out.stderr)}`);
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(pathTaken({ code: out.code, stdout: "", stderr }), round, stderr);
      const pid = JSON.parse(new TextDecoder().decode(out.stdout)).pid;
      assert.equal(pid, child.pid, `${round}: the program runs in prime's own process`);
    }
  },
});

Deno.test({
  name: "an extension-less shebang script runs in its repo's env from another directory" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo("", {
      "tools/hello": `#!/usr/bin/env prime\n${APP}`,
    });
    await Deno.chmod(join(dir, "tools", "hello"), 0o755);
    const bin = await tempTree();
    await Deno.symlink(PRIME, join(bin, "prime"));
    const elsewhere = await tempTree();
    const r = await new Deno.Command(join(dir, "tools", "hello"), {
      args: ["x"],
      cwd: elsewhere,
      env: { ...env, PATH: `${bin}:${env.PATH}` },
      clearEnv: true,
    }).output();
    const stderr = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 0, stderr);
    const out = JSON.parse(new TextDecoder().decode(r.stdout));
    assert.equal(out.prefix, join(dir, ".venv"));
    assert.deepEqual(out.argv, ["x"]);
  },
});

Deno.test({
  name: "a changed requirements file updates the env before the run" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo('requirements = ["requirements.txt"]', {
      "requirements.txt": "-r base.txt\n",
      "base.txt": "greeting==1.0\n",
    });
    await makeWheel(join(dir, "wheels"), "greeting", "2.0");
    await Deno.writeTextFile(
      join(dir, "prime.toml"),
      (await Deno.readTextFile(join(dir, "prime.toml"))).replace(
        'dependencies = ["greeting==1.0"]',
        "",
      ),
    );
    const first = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(JSON.parse(first.stdout).greeting, /greeting 1\.0/);
    // The change is in a nested -r file.
    await Deno.writeTextFile(join(dir, "base.txt"), "greeting==2.0\n");
    const second = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(second.code, 0, second.stderr);
    assert.match(JSON.parse(second.stdout).greeting, /greeting 2\.0/);
    assert.match(second.stderr, /base\.txt changed/);
  },
});

const two = pyenvPythons().filter((p) =>
  Number(p.minor.split(".")[1]) >= 8 && p.minor.startsWith("3.")
);
Deno.test({
  name: "a changed .python-version rebuilds the env on the new interpreter" +
    requires(need(two.length >= 2, "needs two Pythons >= 3.8 under pyenv")).why,
  ignore: two.length < 2,
  async fn() {
    const [a, b] = [two[0], two.at(-1)!];
    const dir = await tempTree({
      "pyproject.toml": `[project]\nname = "demo"\nversion = "0"\ndependencies = []\n`,
      ".python-version": `${a.minor}\n`,
      "v.py": "import sys; print('%d.%d' % sys.version_info[:2])",
    });
    const env = testEnv(await Deno.makeTempDir(), { PRIME_VENV_DRIVER: "venv_pip" });
    const r1 = await runPrime(["v.py"], { cwd: dir, env });
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(r1.stdout.trim(), a.minor);
    await Deno.writeTextFile(join(dir, ".python-version"), `${b.minor}\n`);
    const r2 = await runPrime(["v.py"], { cwd: dir, env });
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(r2.stdout.trim(), b.minor);
  },
});

Deno.test({
  name: "prime run python means the venv's python, isolated, with the env active" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo('vars = { GREETING_STYLE = "loud" }');
    const r = await runPrime(
      [
        "run",
        "python",
        "-c",
        "import sys,os; print(sys.flags.no_user_site, sys.prefix, os.environ['GREETING_STYLE'])",
      ],
      { cwd: dir, env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `1 ${join(dir, ".venv")} loud`);
    const sh = await runPrime(["run", "sh", "-c", 'echo "$VIRTUAL_ENV"'], { cwd: dir, env });
    assert.equal(sh.stdout.trim(), join(dir, ".venv"));
  },
});

Deno.test({
  name: "a script with no configuration and no block runs on the selected Python, no venv" + why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "solo.py": "import sys; print(sys.flags.no_user_site, sys.prefix == sys.base_prefix)",
    });
    const env = testEnv(await Deno.makeTempDir());
    const r = await runPrime([join(dir, "solo.py")], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "1 True");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["solo.py"]);
  },
});

Deno.test({
  name: "PRIME_DEPTH past the limit is a usage error (exit 2), so shebangs cannot recurse" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo();
    const r = await runPrime(["app.py"], { cwd: dir, env: { ...env, PRIME_DEPTH: "16" } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nested 16 deep/);
  },
});

const pair = pyenvPythons().filter((p) =>
  p.minor.startsWith("3.") && Number(p.minor.slice(2)) >= 8
);
Deno.test({
  name:
    "a bare script's interpreter is recorded for warm starts, and a new .python-version above it re-selects" +
    requires(need(pair.length >= 2, "needs two Pythons >= 3.8 under pyenv")).why,
  ignore: pair.length < 2,
  async fn() {
    const top = await tempTree({
      "scripts/v.py": "import sys; print('%d.%d' % sys.version_info[:2])",
    });
    const env = testEnv(await Deno.makeTempDir());
    const script = join(top, "scripts", "v.py");
    const first = await runPrime([script], { cwd: top, env });
    assert.equal(first.code, 0, first.stderr);
    const warm = await runPrime(["-v", script], { cwd: top, env });
    assert.equal(warm.stdout, first.stdout);
    assert.match(warm.stderr, /no venv \(recorded\); exec /);
    const want = pair[0].minor === first.stdout.trim() ? pair.at(-1)! : pair[0];
    await Deno.writeTextFile(join(top, ".python-version"), `${want.minor}\n`);
    const after = await runPrime(["-v", script], { cwd: top, env });
    assert.equal(after.code, 0, after.stderr);
    assert.equal(after.stdout.trim(), want.minor);
    assert.doesNotMatch(after.stderr, /\(recorded\)/);
    assert.deepEqual([...Deno.readDirSync(join(top, "scripts"))].map((e) => e.name), ["v.py"]);
  },
});

Deno.test({
  name:
    "prime run ./path runs the path itself: not executable is exit 126 and missing is 127 with no PATH hint, as in a shell, cold and warm" +
    why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo();
    await Deno.writeTextFile(join(dir, "plain.sh"), "echo hi\n");
    await Deno.mkdir(join(dir, "adir"));
    for (const round of ["cold", "warm"]) {
      for (const path of ["./plain.sh", "./adir"]) {
        const r = await runPrime(["run", path], { cwd: dir, env });
        assert.equal(r.code, 126, `${round} ${path}: ${r.stderr}`);
        assert.match(r.stderr, /check that it is executable/, r.stderr);
        assert.doesNotMatch(r.stderr, /command not found|nor on PATH/);
      }
      const missing = await runPrime(["run", "./no-such-file.sh"], { cwd: dir, env });
      assert.equal(missing.code, 127, missing.stderr);
      assert.match(missing.stderr, /no-such-file\.sh/);
      assert.doesNotMatch(
        missing.stderr,
        /nor on PATH|not on PATH/,
        "a path is not looked up in PATH",
      );
    }
  },
});

Deno.test({
  name:
    "prime run with a command that does not exist is exit 127, as in a shell, cold and warm, in a repo and outside one" +
    why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo();
    const cold = await runPrime(["run", "no-such-command-xyz", "--flag"], { cwd: dir, env });
    assert.equal(cold.code, 127, cold.stderr);
    assert.match(cold.stderr, /command not found: no-such-command-xyz/);
    assert.match(cold.stderr, /neither in .*\/\.venv\/bin nor on PATH/);
    // The env is fresh now: the warm path finds no command and leaves it to the cold path.
    const warm = await runPrime(["run", "no-such-command-xyz"], { cwd: dir, env });
    assert.equal(warm.code, 127, warm.stderr);
    assert.doesNotMatch(warm.stderr, /building/);
    const outside = await tempTree({});
    const bare = await runPrime(["run", "no-such-command-xyz"], { cwd: outside, env });
    assert.equal(bare.code, 127, bare.stderr);
    assert.match(bare.stderr, /command not found: no-such-command-xyz/);
    // A command that exists still runs with its own exit code.
    const ok = await runPrime(["run", "python", "-c", "raise SystemExit(3)"], { cwd: dir, env });
    assert.equal(ok.code, 3, ok.stderr);
  },
});

Deno.test({
  name:
    "prime run says so when CMD runs from PATH with another Python, and refuses a wrong python3.X" +
    why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo();
    const bin = await tempTree({
      pytest: "#!/bin/sh\n# a pyenv shim, as far as prime can tell\necho shim-pytest\n",
      pip: "#!/bin/sh\necho shim-pip\n",
      tool: "#!/bin/sh\necho plain-tool\n",
    });
    for (const f of ["pytest", "pip", "tool"]) await Deno.chmod(join(bin, f), 0o755);
    const penv = { ...env, PATH: `${bin}:${env.PATH}` };
    for (const round of ["cold", "warm"]) {
      const t = await runPrime(["run", "pytest", "-x"], { cwd: dir, env: penv });
      assert.equal(t.code, 0, t.stderr);
      assert.equal(t.stdout.trim(), "shim-pytest");
      assert.match(
        t.stderr,
        /warning: pytest is not in .*\.venv\/bin; running .*\/pytest from PATH/,
      );
      const p = await runPrime(["run", "pip", "install", "x"], { cwd: dir, env: penv });
      assert.match(p.stderr, /warning: pip is not in .*installs there, not into this env/);
      const plain = await runPrime(["run", "tool"], { cwd: dir, env: penv });
      assert.equal(plain.stdout.trim(), "plain-tool");
      assert.equal(plain.stderr, "", `${round}: a command that is not Python's runs silently`);
      // A warning needs the cold path (the warm one prints nothing); a plain command
      // takes the warm path once the env is built.
      const seen = await runPrime(["-v", "run", "tool"], { cwd: dir, env: penv });
      assert.equal(pathTaken(seen), "warm", seen.stderr);
    }
    const other = py!.minor === "3.10" ? "3.9" : "3.10";
    const w = await runPrime(["run", `python${other}`, "-c", "1"], { cwd: dir, env });
    assert.equal(w.code, 2, w.stderr);
    assert.match(
      w.stderr,
      new RegExp(`python${other} is not this env's Python, which is ${py!.minor}`),
    );
    const ok = await runPrime(["run", `python${py!.minor}`, "-c", "print(1)"], { cwd: dir, env });
    assert.equal(ok.stdout.trim(), "1", ok.stderr);
  },
});

Deno.test({
  name:
    "the warm path execs the program with its arguments and environment as given: spaces, empty strings, non-ASCII" +
    why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "prime.toml": `venv_driver = "venv_pip"\nvars = { UNI = "héllo wörld ✓", EMPTY = "" }\n`,
      "show.py":
        "import os, sys, json\nprint(json.dumps([sys.argv[1:], os.environ['UNI'], os.environ['EMPTY'], os.environ['FROM_CALLER']]))\n",
    });
    const env = testEnv(await Deno.makeTempDir({ prefix: "prime-cache-" }), {
      PRIME_PYTHON: py!.path,
      FROM_CALLER: "x=y ü\ttab",
    });
    const args = ["a b", "", "ü✓", "--flag=1", "-"];
    const want = [args, "héllo wörld ✓", "", "x=y ü\ttab"];
    for (const round of ["cold", "warm"]) {
      const r = await runPrime(["-v", "show.py", ...args], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(pathTaken(r), round);
      assert.deepEqual(JSON.parse(r.stdout), want, round);
    }
  },
});
