/**
 * Threat: state found in a clone (issue 22). A clone can commit `.venv/prime-stamp.json`,
 * `.prime/.venv.g*` or a `.prime` link; none of it is evidence. What prime trusts lives in
 * the user's private cache (a record of each build), so a stamp, generation or pointer
 * the cache does not vouch for is never probed, run or exported; every read of a file
 * prime did not just write is bounded; `clean` deletes only inside the ref root's own
 * `.prime/`; and a cache entry another uid planted is refused on the open descriptor.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { AS_NOBODY, NOBODY, PRIME, runPrime, worksAsNobody } from "../helpers/fixtures.ts";
import {
  assertNoCrash,
  greetingLine,
  IGNORE,
  makeRepo,
  primeToml,
  PY,
  WHY,
} from "../helpers/reliability.ts";
import { PRIME_VERSION } from "../../src/core/version.ts";
import { findOnPath, pathDirs, pathExists } from "../../src/core/files.ts";
import { need, requires } from "../helpers/requires.ts";

const canSwitch = worksAsNobody("true", []);
const NEED_UID = requires(need(canSwitch, "needs root and setpriv to act as a second uid")).why;

/** A stamp as a clone would commit it: well-formed, naming `realPath` as its interpreter. */
function forgedStamp(dir: string, realPath: string, run: Record<string, unknown> = {}) {
  const st = Deno.statSync(realPath);
  return {
    schema: 1,
    prime: PRIME_VERSION,
    fingerprint: "forged",
    driver: "venv_pip",
    toolVersion: "pip 24",
    createdAt: new Date().toISOString(),
    inputs: [],
    python: {
      realPath,
      mtimeMs: st.mtime!.getTime(),
      size: st.size,
      version: PY?.version ?? "3.12.0",
      implementation: "cpython",
    },
    run: { refRoot: dir, env: null, vars: {}, varsFiles: [], ...run },
  };
}

/** Commits a forged `.venv` (a directory with a stamp and a bin/python) into a clone. */
async function commitVenv(dir: string, stamp: unknown, python = `#!/bin/sh\nexit 0\n`) {
  await Deno.mkdir(join(dir, ".venv", "bin"), { recursive: true });
  await Deno.writeTextFile(join(dir, ".venv", "prime-stamp.json"), JSON.stringify(stamp));
  await Deno.writeTextFile(join(dir, ".venv", "bin", "python"), python, { mode: 0o755 });
  await Deno.writeTextFile(join(dir, ".venv", "pyvenv.cfg"), `home = /usr/bin\n`);
}

const PRLIMIT = findOnPath("prlimit", pathDirs(Deno.env.get("PATH")));

/**
 * Runs prime, killing its whole process group after `ms` (a hang, or a read of
 * /dev/zero that would fill memory); `hung` says whether it had to be killed.
 */
async function runBounded(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  ms = 60_000,
): Promise<{ code: number; stdout: string; stderr: string; hung: boolean }> {
  // A data limit keeps a read of /dev/zero from taking the machine's memory with it.
  const child = new Deno.Command(PRLIMIT ?? PRIME, {
    args: PRLIMIT ? [`--data=${4 * 1024 ** 3}`, PRIME, ...args] : args,
    cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch { /* gone */ }
  }, ms);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), hung };
}

Deno.test({
  name: "info never probes the interpreter a committed stamp names: not built by prime here" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      toml: primeToml() + 'python_selector_file_rel_path = "pick.sh"\n',
      files: { "pick.sh": `#!/bin/sh\necho ${PY!.path}\n` },
    });
    await Deno.chmod(join(dir, "pick.sh"), 0o755);
    // The clone's path is predictable in CI (/home/runner/work/R/R), so its stamp can
    // name a script of its own as the interpreter.
    const mark = join(dir, "probed");
    const evil = join(dir, "tools", "python3");
    await Deno.mkdir(join(dir, "tools"));
    await Deno.writeTextFile(evil, `#!/bin/sh\ntouch ${mark}\nexit 1\n`, { mode: 0o755 });
    await commitVenv(dir, forgedStamp(dir, evil));

    const r = await runPrime(["info"], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!pathExists(mark), "info ran the interpreter named by a committed stamp");
    assert.match(r.stdout, /fresh: +no: not built by prime here/);
    const j = await runPrime(["info", "--json"], { cwd: dir, env });
    assert.equal(j.code, 0, j.stderr);
    assert.equal(JSON.parse(j.stdout).python.path, null, "nothing recorded is shown");
    assert.ok(!pathExists(mark), "info --json ran it");

    // env, sync and run would build: they may run the selector (repo code, as a build
    // does), never the stamp's interpreter.
    for (const args of [["env", "--shell", "json"], ["sync"]]) {
      const b = await runPrime(args, { cwd: dir, env });
      assertNoCrash(b, args.join(" "));
      assert.ok(!pathExists(mark), `${args.join(" ")} probed the stamp's interpreter`);
    }
  },
});

Deno.test({
  name: "env on a failed build exports nothing from a committed stamp (vars, files, ref root)" +
    WHY,
  ignore: IGNORE,
  async fn() {
    // A trusted config (APP_MODE only) whose build fails: there is no previous build of
    // prime's, so there is nothing to activate.
    const { dir, env } = await makeRepo({
      toml: primeToml(["missing-package==9"]) + 'vars = { APP_MODE = "dev" }\n',
    });
    const t = await runPrime(["trust"], { cwd: dir, env });
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, /may export: APP_MODE$/m);
    await commitVenv(
      dir,
      forgedStamp(dir, Deno.realPathSync(PY!.path), {
        refRoot: "/planted/root",
        vars: { GIT_SSH_COMMAND: "sh -c 'id>/tmp/x' #" },
        varsFiles: ["/etc/os-release"],
      }),
    );
    for (const shell of ["sh", "json"]) {
      const r = await runPrime(["env", "--shell", shell], { cwd: dir, env });
      assertNoCrash(r, `env --shell ${shell}`);
      assert.notEqual(r.code, 0, "the build failed");
      assert.doesNotMatch(r.stdout, /GIT_SSH_COMMAND/);
      assert.doesNotMatch(r.stdout, /planted/);
      assert.doesNotMatch(r.stdout, /PRETTY_NAME|VERSION_ID/, "vars_files of the stamp");
      assert.equal(r.stdout, "", "nothing is activated: prime never built this env");
    }
  },
});

Deno.test({
  name: "a committed venv whose stamp matches the inputs is rebuilt, not run (a new cache)" + WHY,
  ignore: IGNORE,
  async fn() {
    // The author builds the repo on a machine like the user's (same paths, as in CI)
    // and commits the result, with a module of their own in it.
    const { dir, env } = await makeRepo();
    const built = await runPrime(["sync"], { cwd: dir, env });
    assert.equal(built.code, 0, built.stderr);
    const site = [...Deno.readDirSync(join(dir, ".venv", "lib"))][0].name;
    await Deno.writeTextFile(
      join(dir, ".venv", "lib", site, "site-packages", "greeting", "__init__.py"),
      "def hello(who):\n    return 'planted'\n",
    );
    // The user, whose cache never saw that build.
    const cache = await Deno.makeTempDir({ prefix: "prime-cache-" });
    const user = { ...env, PRIME_CACHE_DIR: cache };
    for (const round of ["first", "second"]) {
      const r = await runPrime(["-v", "app.py"], { cwd: dir, env: user });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(
        r.stdout.startsWith(greetingLine()),
        `${round}: ran the committed venv: ${r.stdout}`,
      );
    }
    const info = await runPrime(["info", "--json"], { cwd: dir, env: user });
    assert.equal(JSON.parse(info.stdout).venv.fresh, true, "the user's own build is fresh");
  },
});

Deno.test({
  name: "a stamp or pyvenv.cfg linked to /dev/zero or a FIFO never hangs any command" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    const cases: Array<[string, string]> = [
      ["prime-stamp.json", "/dev/zero"],
      ["prime-stamp.json", "fifo"],
      ["pyvenv.cfg", "/dev/zero"],
      ["pyvenv.cfg", "fifo"],
    ];
    for (const [file, target] of cases) {
      await Deno.remove(join(dir, ".venv"), { recursive: true }).catch(() => {});
      await Deno.remove(join(dir, ".prime"), { recursive: true }).catch(() => {});
      await Deno.mkdir(join(dir, ".venv", "bin"), { recursive: true });
      await Deno.symlink(Deno.realPathSync(PY!.path), join(dir, ".venv", "bin", "python"));
      if (file === "prime-stamp.json") {
        await Deno.writeTextFile(join(dir, ".venv", "pyvenv.cfg"), "home = /usr/bin\n");
      }
      const at = join(dir, ".venv", file);
      if (target === "fifo") {
        const mk = await new Deno.Command("mkfifo", { args: [at] }).output();
        assert.equal(mk.code, 0);
      } else await Deno.symlink(target, at);
      for (
        const args of [["info"], ["env", "--shell", "json"], ["sync"], ["app.py"], [
          "run",
          "python",
          "-V",
        ]]
      ) {
        const what = `${args.join(" ")} with .venv/${file} -> ${target}`;
        const r = await runBounded(args, dir, env);
        assert.ok(!r.hung, `${what} hung`);
        assertNoCrash(r, what);
      }
    }
  },
});

Deno.test({
  name: "clean never follows a committed .prime link into another project's generations" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({ subdir: "clone" });
    const app = join(dir, "..", "app");
    // The victim: another project's generations, beside the clone.
    const gen = join(app, ".prime", ".venv.gx");
    await Deno.mkdir(join(gen, "bin"), { recursive: true });
    await Deno.writeTextFile(join(gen, "prime-in-use.lock"), "");
    await Deno.writeTextFile(join(gen, "pyvenv.cfg"), "home = /usr/bin\n");
    await Deno.mkdir(join(app, ".prime", ".venv.gy"));
    // The clone: `.prime -> ../app/.prime`, `.venv -> .prime/.venv.gx`.
    await Deno.symlink("../app/.prime", join(dir, ".prime"));
    await Deno.symlink(".prime/.venv.gx", join(dir, ".venv"));
    const r = await runPrime(["clean"], { cwd: dir, env });
    assertNoCrash(r, "clean");
    assert.ok(pathExists(gen), "clean deleted another project's live generation");
    assert.ok(pathExists(join(app, ".prime", ".venv.gy")), "and its other generation");
    // The same with .venv as a venv dir whose live link names that generation.
    assert.ok(!pathExists(join(dir, ".venv")), "the clone's own link was removed, as a link");
    await Deno.mkdir(join(dir, ".venv"));
    await Deno.symlink("../.prime/.venv.gx", join(dir, ".venv", ".prime-live"));
    const d = await runPrime(["clean"], { cwd: dir, env });
    assertNoCrash(d, "clean of a venv dir");
    assert.ok(pathExists(gen), "clean deleted another project's generation through .prime-live");
    // --refresh replaces the clone's links, never what they point into.
    const b = await runPrime(["--refresh", "sync"], { cwd: dir, env });
    assertNoCrash(b, "--refresh sync");
    assert.ok(pathExists(gen) && pathExists(join(app, ".prime", ".venv.gy")), "--refresh");
  },
});

Deno.test({
  name: "a venv path under a committed link out of the clone is exit 3: nothing is built there" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      subdir: "clone",
      toml: primeToml() + 'local_venv_dir_rel_path = "sub/.venv"\n',
    });
    const victim = join(dir, "..", "victim");
    await Deno.mkdir(victim);
    await Deno.symlink("../victim", join(dir, "sub"));
    for (const args of [["sync"], ["--refresh", "sync"], ["clean"], ["app.py"]]) {
      const r = await runPrime(args, { cwd: dir, env });
      assertNoCrash(r, args.join(" "));
      assert.equal(r.code, 3, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /a symlink that leads outside the ref root/);
      assert.deepEqual([...Deno.readDirSync(victim)], [], `${args.join(" ")} wrote there`);
    }
  },
});

Deno.test({
  name: "the warm path never runs a pointer planted in a pointers/ dir another uid owns or wrote" +
    WHY + NEED_UID,
  ignore: IGNORE || !canSwitch,
  async fn() {
    for (const variant of ["dir", "entry"]) {
      const { dir, cache, env } = await makeRepo();
      const ok = await runPrime(["app.py"], { cwd: dir, env });
      assert.equal(ok.code, 0, ok.stderr);
      const pointers = join(cache, "pointers");
      // The repo's own pointer (not a route or another record kept there).
      const pointer = [...Deno.readDirSync(pointers)].map((e) => join(pointers, e.name))
        .find((f) => JSON.parse(Deno.readTextFileSync(f)).venvDir === join(dir, ".venv"))!;
      assert.ok(pointer, "the build wrote the repo's pointer");
      const real = JSON.parse(Deno.readTextFileSync(pointer));
      const stamp = Deno.readTextFileSync(join(dir, ".venv", "prime-stamp.json"));
      // Once, the cache was mode 777: another uid owned pointers/ (made it first), or
      // could write into it.
      await Deno.chmod(cache, 0o777);
      if (variant === "dir") await Deno.chown(pointers, NOBODY, NOBODY);
      await Deno.chmod(pointers, 0o777);
      const shared = await Deno.makeTempDir({ prefix: "prime-evil-" });
      await Deno.chmod(shared, 0o1777);
      const mark = join(shared, "pwned");
      const evil = join(shared, "venv");
      // The attacker: a copy of the stamp (readable), its own bin/python, a pointer to it.
      await asAttacker(
        [
          `mkdir -p ${evil}/bin`,
          `cat > ${evil}/prime-stamp.json <<'EOF'\n${stamp}\nEOF`,
          `printf '#!/bin/sh\\ntouch ${mark}\\n' > ${evil}/bin/python`,
          `chmod 755 ${evil}/bin/python`,
          `: > ${evil}/prime-in-use.lock`,
          `rm -f ${pointer}`,
          `printf '%s' '${JSON.stringify({ ...real, venvDir: evil })}' > ${pointer}`,
        ].join("\n"),
      );
      assert.equal(Deno.statSync(pointer).uid, NOBODY);
      // The user follows prime's hint: `chmod 700` on the root (and on the subdir).
      await Deno.chmod(cache, 0o700);
      await Deno.chmod(pointers, 0o700);
      const r = await runPrime(["-v", "app.py"], { cwd: dir, env });
      assert.ok(!pathExists(mark), `${variant}: the warm path ran another uid's bin/python`);
      assert.doesNotMatch(r.stderr, /is fresh; exec/, `${variant}: the warm path used it`);
      if (r.code === 0) assert.ok(r.stdout.startsWith(greetingLine()), r.stdout);
      else assert.equal(r.code, 5, r.stderr);
    }
  },
});

/** Runs `sh -c script` as the attacker uid. */
async function asAttacker(script: string): Promise<void> {
  const out = await new Deno.Command(AS_NOBODY[0], {
    args: [...AS_NOBODY.slice(1), "sh", "-c", script],
    cwd: "/",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}
