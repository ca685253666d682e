/**
 * Threat: a hostile clone's tree, from a second review of the trust root (issue 22) and
 * of the `.venv` directory (issue 23 item 2). Everything in a clone is the author's
 * input, `.venv` and `.prime` included: no command hangs on a file it planted, and a
 * build, `clean` and `--refresh` write and delete only in the clone's own places.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { PRIME, type PrimeRun, runPrime } from "../helpers/fixtures.ts";
import { findOnPath, pathDirs, pathExists } from "../../src/core/files.ts";
import {
  assertNoCrash,
  greetingLine,
  IGNORE,
  makeRepo,
  primeToml,
  PY,
  spawnGroup,
  WHY,
} from "../helpers/reliability.ts";

/** Runs prime in its own process group, killed whole after `ms`; `hung` says it had to be. */
async function runBounded(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  ms = 60_000,
): Promise<PrimeRun & { hung: boolean }> {
  const run = spawnGroup(args, cwd, env);
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    run.killGroup();
  }, ms);
  const r = await run.done;
  clearTimeout(timer);
  return { ...r, hung };
}

Deno.test({
  name: "a committed generation whose in-use lock is a FIFO hangs no build, --refresh or clean" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    // `.venv` names a committed generation; it and another one hold a FIFO where
    // prime's lock file would be (opening one for reading waits for a writer forever).
    for (const gen of [".venv.gabc", ".venv.gold"]) {
      await Deno.mkdir(join(dir, ".prime", gen, "bin"), { recursive: true });
      await Deno.writeTextFile(join(dir, ".prime", gen, "pyvenv.cfg"), "home = /usr/bin\n");
      const mk = await new Deno.Command("mkfifo", {
        args: [join(dir, ".prime", gen, "prime-in-use.lock")],
      }).output();
      assert.ok(mk.success, "mkfifo");
    }
    await Deno.mkdir(join(dir, ".venv"));
    await Deno.symlink("../.prime/.venv.gabc", join(dir, ".venv", ".prime-live"));
    for (const e of ["bin", "pyvenv.cfg", "prime-in-use.lock"]) {
      await Deno.symlink(`.prime-live/${e}`, join(dir, ".venv", e));
    }
    for (const args of [["env", "--shell", "json"], ["--refresh", "sync"], ["clean"]]) {
      const r = await runBounded(args, dir, env);
      assert.ok(!r.hung, `${args.join(" ")} hung`);
      assertNoCrash(r, args.join(" "));
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    }
  },
});

Deno.test({
  name:
    "a committed venv on the selected Python whose lib is a link is not adopted: no install writes outside the repo" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({ subdir: "clone" });
    // pyvenv.cfg matches the selected interpreter and bin is that interpreter's own bin
    // (a predictable path), so the venv looks like one `python -m venv` made there; its
    // lib leads anywhere the clone likes (the interpreter's own lib, say).
    const outside = join(dir, "..", "outside");
    await Deno.mkdir(outside);
    await Deno.mkdir(join(dir, ".venv"));
    await Deno.symlink(dirname(PY!.path), join(dir, ".venv", "bin"));
    await Deno.symlink(outside, join(dir, ".venv", "lib"));
    await Deno.writeTextFile(
      join(dir, ".venv", "pyvenv.cfg"),
      `home = ${dirname(PY!.path)}\nversion = ${PY!.version}\n`,
    );
    const r = await runBounded(["sync"], dir, env);
    assertNoCrash(r, "sync");
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /its (bin|lib) is a link or not a directory/);
    assert.deepEqual([...Deno.readDirSync(outside)], [], "the install wrote through the link");
    // Asked to, prime replaces the venv: the link goes, its target stays as it was.
    const b = await runBounded(["--refresh", "app.py"], dir, env);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, new RegExp(greetingLine()));
    assert.deepEqual([...Deno.readDirSync(outside)], [], "--refresh wrote through the link");
  },
});

Deno.test({
  name: "prime's .pth in a venv it adopts replaces a committed link instead of writing through it" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      subdir: "clone",
      toml: primeToml(["greeting==1.0"], 'python_path = ["src"]\n'),
      files: { "src/mod.py": "" },
    });
    // A venv as `python -m venv` makes it on the selected Python (so it is adopted),
    // with prime's .pth name committed as a link to a file of the user's.
    const made = await new Deno.Command(PY!.path, {
      args: ["-m", "venv", "--without-pip", join(dir, ".venv")],
    }).output();
    assert.ok(made.success, "python -m venv");
    const precious = join(dir, "..", "precious.txt");
    await Deno.writeTextFile(precious, "the user's file\n");
    const site = join(dir, ".venv", "lib", `python${PY!.minor}`, "site-packages");
    await Deno.symlink(precious, join(site, "_prime_python_path.pth"));
    const r = await runBounded(["app.py"], dir, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /adopting \.venv/);
    assert.equal(
      await Deno.readTextFile(precious),
      "the user's file\n",
      "written through the link",
    );
    assert.ok(Deno.lstatSync(join(site, "_prime_python_path.pth")).isFile);
  },
});

const GIT = findOnPath("git", pathDirs(Deno.env.get("PATH")));

Deno.test({
  name:
    "a trusted clone's vars never set git's config for the user's shell (the prompt's git status runs core.fsmonitor)" +
    WHY + (GIT ? "" : " (skipped: needs git)"),
  ignore: IGNORE || GIT === null,
  async fn() {
    const mark = join(await Deno.makeTempDir(), "pwned");
    const { dir, env } = await makeRepo({
      toml: primeToml(
        ["greeting==1.0"],
        `vars = { APP_MODE = "dev", GIT_CONFIG_COUNT = "1", GIT_CONFIG_KEY_0 = "core.fsmonitor", GIT_CONFIG_VALUE_0 = "touch ${mark}; false" }\n`,
      ),
    });
    const init = await new Deno.Command(GIT!, { args: ["init", "-q", dir] }).output();
    assert.ok(init.success, "git init");
    const t = await runPrime(["trust"], { cwd: dir, env });
    assert.equal(t.code, 0, t.stderr);
    const r = await runPrime(["env"], { cwd: dir, env });
    assertNoCrash(r, "env");
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /GIT_CONFIG_COUNT.*git/);
    // What a git-aware prompt does after `eval "$(prime env)"`.
    const sh = await new Deno.Command("sh", {
      args: ["-c", `eval "$('${PRIME}' env 2>/dev/null)"; '${GIT}' status >/dev/null 2>&1; true`],
      cwd: dir,
      env,
      clearEnv: true,
    }).output();
    assert.ok(sh.success);
    assert.ok(!pathExists(mark), "git ran the command a trusted clone's vars configured");
  },
});
