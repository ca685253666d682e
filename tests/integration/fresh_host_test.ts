/**
 * A fresh host: after the toolchain is installed, prime runs with no network
 * (`unshare -n`: a network namespace with no interface up) and an empty HOME, so
 * nothing may come from $HOME/.cache/deno or the npm registry.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import {
  helperPython,
  makeWheel,
  type PrimeRun,
  runPrime,
  tempTree,
  unshareWorks,
} from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";

const OFFLINE = unshareWorks("-n");
const WHY = requires(need(OFFLINE, "`unshare -n` is not permitted here")).why;

function show(r: PrimeRun): string {
  return `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

Deno.test({
  name:
    `with no network and an empty HOME, --version, --help, info, a cold build from local wheels and a warm start all work${WHY}`,
  ignore: !OFFLINE,
  async fn() {
    const dir = await tempTree({
      "prime.toml": `venv_driver = "venv_pip"
dependencies = ["greeting==1.0"]
install_args = ["--no-index", "--find-links", "wheels"]
`,
      "app.py": "import greeting\nprint(greeting.hello('offline'))\n",
    });
    await makeWheel(join(dir, "wheels"), "greeting", "1.0");
    const home = await Deno.makeTempDir({ prefix: "prime-empty-home-" });
    // Only what a minimal host has: no PIP_*, no cert variables, no DENO_DIR, and a
    // Python on PATH (a real binary, not a shim).
    const env = {
      HOME: home,
      PATH: `${dirname(helperPython())}:/usr/bin:/bin`,
      PIP_CONFIG_FILE: "/dev/null",
      NO_COLOR: "1",
    };
    const offline = (args: string[]) => runPrime(args, { cwd: dir, env, wrap: ["unshare", "-n"] });

    const version = await offline(["--version"]);
    assert.equal(version.code, 0, show(version));
    assert.match(version.stdout, /^prime \d+\.\d+\.\d+/);

    const help = await offline(["--help"]);
    assert.equal(help.code, 0, show(help));
    assert.match(help.stdout, /Usage:/);

    const info = await offline(["info"]);
    assert.equal(info.code, 0, show(info));
    assert.match(info.stdout, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));

    const cold = await offline(["app.py"]);
    assert.equal(cold.code, 0, show(cold));
    assert.equal(cold.stdout, "hello, offline, from greeting 1.0\n");

    const warm = await offline(["-v", "app.py"]);
    assert.equal(warm.code, 0, show(warm));
    assert.equal(warm.stdout, "hello, offline, from greeting 1.0\n");
    assert.match(warm.stderr, /is fresh; exec /, "the second start took the warm path");

    // Deno kept nothing in HOME: its caches live with the toolchain.
    const entries = [...Deno.readDirSync(home)].map((e) => e.name);
    assert.ok(!entries.includes(".deno"), `HOME has .deno: ${entries}`);
    try {
      Deno.statSync(join(home, ".cache", "deno"));
      assert.fail("Deno cached into $HOME/.cache/deno");
    } catch (e) {
      assert.ok(e instanceof Deno.errors.NotFound, String(e));
    }
  },
});

const FROM_SOURCE = !Deno.env.get("PRIME_BIN");

Deno.test({
  name:
    `from source, a first run that cannot fetch prime's npm packages is exit 8 with one clear message${
      WHY ||
      requires(need(FROM_SOURCE, "PRIME_BIN is set; this checks the launcher from source")).why
    }`,
  ignore: !OFFLINE || !FROM_SOURCE,
  async fn() {
    // A toolchain dir with the pinned Deno but an empty DENO_DIR: a fresh clone whose
    // `scripts/deno` ran, offline before its first `scripts/prime`.
    const tools = await Deno.makeTempDir({ prefix: "prime-tools-" });
    await Deno.mkdir(join(tools, "deno-2.9.6"));
    // The Deno running this test is the pinned one (scripts/test starts it).
    await Deno.symlink(Deno.execPath(), join(tools, "deno-2.9.6", "deno"));
    const home = await Deno.makeTempDir({ prefix: "prime-empty-home-" });
    const env = { HOME: home, PATH: "/usr/bin:/bin", PRIME_TOOLS_DIR: tools, NO_COLOR: "1" };
    const r = await runPrime(["--version"], { cwd: home, env, wrap: ["unshare", "-n"] });
    assert.equal(r.code, 8, show(r));
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /could not fetch prime's npm packages into .*deno_dir/);
    assert.match(r.stderr, /hint: /);
    assert.doesNotMatch(r.stderr, /Uncaught|\n\s+at /, "no stack");
    // Nothing half-made that a later run would trust.
    assert.throws(() => Deno.statSync(join(tools, "deno_dir", "prime-npm-ready")));
  },
});
