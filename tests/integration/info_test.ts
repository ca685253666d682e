/** `prime info --json` spawned as a user would, on fixture repos and the machine's real Pythons. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildRepo,
  pathTaken,
  pyenvPythons,
  runPrime,
  tempTree,
  testEnv,
} from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";
import { pathExists } from "../../src/core/files.ts";
import { PRIME_VERSION } from "../../src/core/version.ts";

const pythons = pyenvPythons().filter((p) => p.minor.startsWith("3."));
const { ignore, why } = requires(
  need(pythons.length >= 2, "needs two Python 3 versions under $PYENV_ROOT/versions"),
);

async function info(dir: string, extraEnv: Record<string, string> = {}, args: string[] = []) {
  const env = testEnv(await Deno.makeTempDir(), extraEnv);
  const r = await runPrime([...args, "info", "--json"], { cwd: dir, env });
  return { ...r, json: r.code === 0 ? JSON.parse(r.stdout) : null };
}

Deno.test({
  name: "info --json reports a .python-version pin, its source, and a missing venv" + why,
  ignore,
  async fn() {
    const want = pythons[0];
    const dir = await tempTree({
      "pyproject.toml": '[project]\nname = "x"\nversion = "0"\n',
      ".python-version": `# pinned\n${want.minor}  # inline comment\n`,
    });
    const r = await info(dir);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json;
    assert.equal(j.ref_root, dir);
    assert.equal(j.required_python_version.source, join(dir, ".python-version"));
    assert.equal(j.python.version, want.version);
    assert.equal(j.python.source, "search");
    // Every other Python 3 under pyenv was considered and rejected for its version.
    const rejected = (j.python.rejected as { path: string; reason: string }[])
      .map((x) => /^version (\S+) does not satisfy /.exec(x.reason)?.[1]);
    for (const p of pythons.filter((p) => p.minor !== want.minor)) {
      assert.ok(rejected.includes(p.version), `${p.version} not among rejected: ${rejected}`);
    }
    assert.equal(j.venv.path, join(dir, ".venv"));
    assert.equal(j.venv.fresh, false);
    assert.equal(j.venv.reason, "missing");
    assert.equal(j.prime_version, PRIME_VERSION);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      ".python-version",
      "pyproject.toml",
    ], "info is read-only");
  },
});

Deno.test({
  name: "info --json picks the highest version in a range, from prime.toml" + why,
  ignore,
  async fn() {
    const lo = pythons.at(-2)!, hi = pythons.at(-1)!;
    const dir = await tempTree({
      "prime.toml": `required_python_version = ">=${lo.minor},<=${hi.minor}.99"\n`,
    });
    const r = await info(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.python.version, hi.version);
    assert.equal(r.json.required_python_version.source, "prime.toml");
    assert.deepEqual(r.json.config_files, [join(dir, "prime.toml")]);
  },
});

Deno.test({
  name: "info --json names the selector a build would run, and does not run it" + why,
  ignore,
  async fn() {
    const want = pythons[0];
    const dir = await tempTree({
      "prime.toml": `python_selector_file_rel_path = "pick.sh"\nvenv_driver = "venv_pip"\n`,
      "pick.sh": `#!/bin/sh\ntouch ran\necho ${want.path}\n`,
    });
    await Deno.chmod(join(dir, "pick.sh"), 0o755);
    const r = await info(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.python.selector, {
      command: [join(dir, "pick.sh"), ""],
      cwd: dir,
      run: false,
    });
    assert.equal(r.json.python.path, null, "no venv yet: the selector's choice is unknown");
    assert.ok(!pathExists(join(dir, "ran")), "info ran the repo's selector");
  },
});

Deno.test({
  name: "info --json with an unsatisfiable requirement lists every rejected candidate" + why,
  ignore,
  async fn() {
    const dir = await tempTree({ "prime.toml": 'required_python_version = "3.99"\n' });
    const r = await info(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.python.path, null);
    const rejected = r.json.python.rejected as { path: string; reason: string }[];
    for (const p of pythons) {
      assert.ok(
        rejected.some((x) => x.reason.includes(p.version)),
        `${p.version} is listed as rejected`,
      );
    }
    // sync with the pip driver turns this into exit 4 with the same list.
    const env = testEnv(await Deno.makeTempDir(), { PRIME_VENV_DRIVER: "venv_pip" });
    const s = await runPrime(["sync"], { cwd: dir, env });
    assert.equal(s.code, 4, s.stderr);
    assert.match(s.stderr, /no interpreter satisfies/);
    assert.match(s.stderr, new RegExp(pythons[0].version.replaceAll(".", "\\.")));
  },
});

Deno.test({
  name: "--python with a version overrides the configured requirement in info" + why,
  ignore,
  async fn() {
    const want = pythons[0];
    const dir = await tempTree({
      "prime.toml": `required_python_version = "${pythons.at(-1)!.minor}"\n`,
    });
    const r = await info(dir, {}, ["--python", want.minor]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.python.version, want.version);
    assert.deepEqual(r.json.required_python_version, { value: want.minor, source: "--python" });
  },
});

Deno.test("info prints a human summary, and --help/--version work", async () => {
  const dir = await tempTree({ "prime.toml": "" });
  const env = testEnv(await Deno.makeTempDir());
  const r = await runPrime(["info"], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ref root: +.*prime-test-/);
  assert.match(r.stdout, /venv: +.*\.venv/);
  const v = await runPrime(["--version"], { cwd: dir, env });
  // The commit it was built from (or "from source" outside a git checkout), the target, Deno.
  assert.match(
    v.stdout,
    /^prime \d+\.\d+\.\d+ \(([0-9a-f]{12}|[0-9a-f]{12} from source|from source), [\w-]+, deno \d+\.\d+\.\d+\)\n$/,
  );
  assert.ok(v.stdout.includes(Deno.build.target), v.stdout);
  const h = await runPrime(["--help"], { cwd: dir, env });
  assert.match(h.stdout, /Usage:/);
});

Deno.test({
  name:
    "info says a start still runs the recorded build when only a new search picks another Python (PATH changed), as the start then does" +
    why,
  ignore,
  async fn() {
    const [lo, hi] = [pythons.at(-2)!, pythons.at(-1)!];
    const repo = await buildRepo({
      files: {
        "prime.toml": 'venv_driver = "venv_pip"\n',
        "app.py": "import sys\nprint('%d.%d' % sys.version_info[:2])\n",
      },
    });
    // The first python3 on PATH decides (no pyenv version, no other choice): `lo`, then `hi`.
    const bins = await tempTree();
    for (const [d, py] of [["lo", lo], ["hi", hi]] as const) {
      await Deno.mkdir(join(bins, d));
      await Deno.symlink(py.path, join(bins, d, "python3"));
    }
    const noPyenv = await tempTree();
    const run = (args: string[], bin: "lo" | "hi") => {
      const env: Record<string, string> = {
        ...repo.env,
        PATH: `${join(bins, bin)}:/usr/bin:/bin`,
        PYENV_ROOT: noPyenv,
      };
      delete env.PYENV_VERSION;
      return runPrime(args, { cwd: repo.dir, env });
    };
    const built = await run(["app.py"], "lo");
    assert.equal(built.code, 0, built.stderr);
    assert.equal(built.stdout.trim(), lo.minor);

    const human = await run(["info"], "hi");
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^fresh: +no: interpreter changed: /m);
    assert.match(human.stdout, /still use the recorded build as it is/);
    const j = JSON.parse((await run(["info", "--json"], "hi")).stdout);
    assert.equal(j.python.version, hi.version, "what a build would pick");
    assert.equal(j.venv.fresh, false);
    assert.equal(j.venv.runs_as_is, true);
    // What the start then does: the recorded build, as the warm path finds it.
    const start = await run(["-v", "app.py"], "hi");
    assert.equal(start.stdout.trim(), lo.minor);
    assert.equal(pathTaken(start), "warm");

    // A build takes the new pick; then both say fresh, and no note.
    assert.equal((await run(["sync"], "hi")).code, 0);
    const after = await run(["info"], "hi");
    assert.match(after.stdout, /^fresh: +yes$/m);
    assert.doesNotMatch(after.stdout, /still use the recorded build/);
    assert.equal(JSON.parse((await run(["info", "--json"], "hi")).stdout).venv.runs_as_is, true);
    // An input changed: neither a start nor a build uses the recorded build as it is.
    await Deno.writeTextFile(join(repo.dir, "prime.toml"), 'venv_driver = "venv_pip"\n# edited\n');
    const edited = JSON.parse((await run(["info", "--json"], "lo")).stdout);
    assert.equal(edited.venv.fresh, false);
    assert.equal(edited.venv.runs_as_is, false);
  },
});
