/**
 * A second local user runs a repo another user built and they may only read (a shared
 * checkout): the built env runs as it is, with no rebuild and no write. Real uids
 * (setpriv), a real venv, real pip, a local wheel.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import {
  AS_NOBODY,
  makeWheel,
  NOBODY,
  pathTaken,
  PRIME,
  runPrime,
  tempTree,
  testEnv,
  worksAsNobody,
} from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";

/** An interpreter on PATH that the other uid can run too (pyenv's may sit in a private HOME). */
function sharedPython(): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir.startsWith("/") || dir.includes("shims")) continue;
    const p = join(dir, "python3");
    try {
      Deno.statSync(p);
    } catch {
      continue;
    }
    if (worksAsNobody(p, ["-c", "import venv"])) return p;
  }
  return null;
}

const python = sharedPython();
const canPrime = python !== null && worksAsNobody(PRIME, ["--version"]);
const { ignore, why } = requires(
  need(canPrime, "needs root, setpriv, and a python3 and prime the uid 65534 can run"),
);

Deno.test({
  name: "another user runs a read-only repo's built env warm and cold, with no rebuild" + why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "prime.toml": 'venv_driver = "venv_pip"\ndependencies = ["greeting==1.0"]\n' +
        'install_args = ["--no-index", "--find-links", "wheels"]\n',
      "app.py": "import greeting, sys\nprint(greeting.hello('u'), sys.prefix)\n",
    });
    await makeWheel(join(dir, "wheels"), "greeting", "1.0");
    const owner = testEnv(await Deno.makeTempDir(), { PRIME_PYTHON: python! });
    const built = await runPrime(["sync"], { cwd: dir, env: owner });
    assert.equal(built.code, 0, built.stderr);
    await Deno.chmod(dir, 0o755); // readable by all, writable by its owner only
    const cache = await Deno.makeTempDir();
    await Deno.chown(cache, NOBODY, NOBODY);
    const other = testEnv(join(cache, "c"), { PRIME_PYTHON: python!, HOME: cache });
    for (const round of ["cold", "warm"]) {
      const r = await runPrime(["-v", "app.py"], { cwd: dir, env: other, wrap: AS_NOBODY });
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      // Cold: the owner's build, checked against every input, then recorded in this
      // user's cache (docs/SECURITY.md, the trust root); warm from then on.
      assert.equal(pathTaken(r), round, r.stderr);
      // The repo's own venv (through its link or a generation), not one of its own.
      assert.ok(
        r.stdout.startsWith(`hello, u, from greeting 1.0 ${dir}/`),
        `${round}: ${r.stdout}`,
      );
      assert.doesNotMatch(r.stderr, /building/, round);
    }
  },
});

/** The user's own clone (all of it NOBODY's), with a wheel to install offline. */
async function nobodysClone(): Promise<string> {
  const dir = await tempTree({
    "prime.toml": 'venv_driver = "venv_pip"\ndependencies = ["greeting==1.0"]\n' +
      'install_args = ["--no-index", "--find-links", "wheels"]\n',
    "app.py": "import greeting\nprint(greeting.hello('u'))\n",
  });
  await makeWheel(join(dir, "wheels"), "greeting", "1.0");
  const out = await new Deno.Command("chown", { args: ["-R", `${NOBODY}:${NOBODY}`, dir] })
    .output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return dir;
}

/** An env for NOBODY: a HOME and cache of its own. */
async function nobodysEnv(): Promise<Record<string, string>> {
  const home = await Deno.makeTempDir();
  await Deno.chown(home, NOBODY, NOBODY);
  return testEnv(join(home, "c"), { PRIME_PYTHON: python!, HOME: home });
}

/** The user (nobody) builds `dir`, then root builds its own generation there (--refresh). */
async function builtThenRebuiltByRoot(dir: string, user: Record<string, string>): Promise<void> {
  const first = await runPrime(["sync"], { cwd: dir, env: user, wrap: AS_NOBODY });
  assert.equal(first.code, 0, first.stderr);
  const root = testEnv(await Deno.makeTempDir(), { PRIME_PYTHON: python! });
  const other = await runPrime(["--refresh", "sync"], { cwd: dir, env: root });
  assert.equal(other.code, 0, other.stderr);
}

Deno.test({
  name: "a rebuild after another uid built in the user's clone runs the program and " +
    "warns about the old build it cannot remove" + why,
  ignore,
  async fn() {
    const dir = await nobodysClone();
    const user = await nobodysEnv();
    // Then root (a container on the same checkout, sudo) builds its own generation in
    // the user's .prime, and the user's next start rebuilds over it.
    await builtThenRebuiltByRoot(dir, user);
    const r = await runPrime(["app.py"], { cwd: dir, env: user, wrap: AS_NOBODY });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "hello, u, from greeting 1.0\n");
    assert.match(
      r.stderr,
      /warning: could not remove an old build of .*\/\.venv: Permission denied.*\.prime\//,
    );
  },
});

Deno.test({
  name: "a build in a clone whose .prime another uid made says whose it is" + why,
  ignore,
  async fn() {
    const dir = await nobodysClone();
    const root = testEnv(await Deno.makeTempDir(), { PRIME_PYTHON: python! });
    const other = await runPrime(["sync"], { cwd: dir, env: root });
    assert.equal(other.code, 0, other.stderr);
    const r = await runPrime(["app.py"], { cwd: dir, env: await nobodysEnv(), wrap: AS_NOBODY });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, new RegExp(`${dir}/\\.prime is not writable: owned by uid 0`));
    assert.match(r.stderr, /hint: root .*`sudo rm -r .*\/\.prime /);
  },
});

Deno.test({
  name: "another user whose HOME is still the first user's (sudo -u without -H, setpriv) " +
    "runs their clone with a PRIME_CACHE_DIR of their own" + why,
  ignore,
  async fn() {
    const dir = await nobodysClone();
    const closedHome = await Deno.makeTempDir({ prefix: "prime-home-" }); // root's, 0700
    const cache = await Deno.makeTempDir();
    await Deno.chown(cache, NOBODY, NOBODY);
    // No PRIME_PYTHON: the choices (asdf's ~/.tool-versions among them) are looked up.
    const env = testEnv(join(cache, "c"), {
      HOME: closedHome,
      PATH: `${dirname(python!)}:/usr/bin:/bin`,
    });
    for (const round of ["cold", "warm"]) {
      const r = await runPrime(["-v", "app.py"], { cwd: dir, env, wrap: AS_NOBODY });
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      assert.equal(r.stdout, "hello, u, from greeting 1.0\n");
      assert.equal(pathTaken(r), round, r.stderr);
    }
  },
});

Deno.test({
  name: "prime clean of a venv another uid rebuilt in the user's clone names that uid and " +
    "sudo rm, not chmod" + why,
  ignore,
  async fn() {
    const dir = await nobodysClone();
    const user = await nobodysEnv();
    await builtThenRebuiltByRoot(dir, user);
    const r = await runPrime(["clean"], { cwd: dir, env: user, wrap: AS_NOBODY });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /cannot remove \.venv/);
    assert.match(r.stderr, /hint: .*owned by uid 0.*sudo rm -r /);
    assert.doesNotMatch(r.stderr, /chmod/);
  },
});
