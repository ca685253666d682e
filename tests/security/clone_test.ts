/**
 * Threat: a malicious clone. Everything here is committed by the repo's author and
 * run by a user who only typed `prime info`, `prime env`, `prime use` or ran a script:
 * read-only commands run no repo code, the user's shell gets only trusted and allowed
 * variables, path values cannot become code, config inputs are bounded regular files,
 * and prime never writes through a link the clone committed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPrime } from "../helpers/fixtures.ts";
import { APP, IGNORE, makeRepo, primeToml, PY, WHY } from "../helpers/reliability.ts";
import { findOnPath, pathDirs, pathExists } from "../../src/core/files.ts";

function which(name: string): string | null {
  return findOnPath(name, pathDirs(Deno.env.get("PATH")));
}

/** Runs `shell args...` with `stdin`, returning stdout; fails the test on a non-zero exit. */
async function shellOut(shell: string, args: string[], stdin: string): Promise<string> {
  const child = new Deno.Command(shell, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" },
    clearEnv: true,
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  assert.equal(out.code, 0, `${shell} ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

// ---- 3. read-only commands run no repo code ----

Deno.test({
  name: "info never runs the selector; env --shell json on a fresh env does not either" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      toml: primeToml() + 'python_selector_file_rel_path = "pick.sh"\n',
      files: { "pick.sh": `#!/bin/sh\ntouch ran-$$\necho ${PY!.path}\n` },
    });
    await Deno.chmod(join(dir, "pick.sh"), 0o755);
    const ran = () => [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith("ran-")).length;

    const before = await runPrime(["info"], { cwd: dir, env });
    assert.equal(before.code, 0, before.stderr);
    assert.equal(ran(), 0, "info ran the selector");
    assert.match(before.stdout, /selector: .*pick\.sh .* \(not run: info runs no repo code/);

    const sync = await runPrime(["sync"], { cwd: dir, env });
    assert.equal(sync.code, 0, sync.stderr);
    assert.equal(ran(), 1, "a build runs the selector once");

    const j = await runPrime(["env", "--shell", "json"], { cwd: dir, env });
    assert.equal(j.code, 0, j.stderr);
    assert.equal(JSON.parse(j.stdout).VIRTUAL_ENV, join(dir, ".venv"));
    const after = await runPrime(["info", "--json"], { cwd: dir, env });
    assert.equal(after.code, 0, after.stderr);
    const info = JSON.parse(after.stdout);
    assert.equal(info.venv.fresh, true, "info judges freshness with the venv's interpreter");
    assert.equal(info.python.selector.run, false);
    assert.equal(ran(), 1, "env on a fresh env, or info, ran the selector");

    // An edit to the selector makes the env stale: the next build runs it again.
    await Deno.writeTextFile(
      join(dir, "pick.sh"),
      `#!/bin/sh\ntouch ran-$$\n# edited\necho ${PY!.path}\n`,
    );
    const rebuilt = await runPrime(["sync"], { cwd: dir, env });
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.equal(ran(), 2);
  },
});

// ---- 4. what prime env may export ----

Deno.test({
  name: "prime env exports a clone's vars only after prime trust, and again after an edit" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      toml: primeToml() + 'vars = { APP_MODE = "dev" }\nvars_files = [".env"]\n',
      files: { ".env": "TOKEN=t1\n" },
    });
    const untrusted = await runPrime(["env", "--shell", "json"], { cwd: dir, env });
    assert.equal(untrusted.code, 0, untrusted.stderr);
    let obj = JSON.parse(untrusted.stdout);
    assert.equal(obj.VIRTUAL_ENV, join(dir, ".venv"), "the venv is still activated");
    assert.equal(obj.APP_MODE, undefined);
    assert.equal(obj.TOKEN, undefined);
    assert.match(untrusted.stderr, /APP_MODE, TOKEN\) are not exported: .*prime trust/);
    assert.ok(!untrusted.stderr.includes("t1"), "a value reached stderr");

    const before = await runPrime(["info", "--json"], { cwd: dir, env });
    assert.equal(JSON.parse(before.stdout).vars_trusted, false);
    const t = await runPrime(["trust"], { cwd: dir, env });
    assert.equal(t.code, 0, t.stderr);
    const after = await runPrime(["info"], { cwd: dir, env });
    assert.match(after.stdout, /trusted: +yes/);
    assert.match(t.stderr, /prime env may export: APP_MODE, TOKEN/);
    obj = JSON.parse((await runPrime(["env", "--shell", "json"], { cwd: dir, env })).stdout);
    assert.equal(obj.APP_MODE, "dev");
    assert.equal(obj.TOKEN, "t1");
    assert.equal(obj.PRIME_ACTIVE_VARS, "APP_MODE TOKEN");

    // An edit (a `git pull`, say) needs a new trust; the record is outside the clone.
    await Deno.writeTextFile(join(dir, ".env"), "TOKEN=t2\nEXTRA=1\n");
    obj = JSON.parse((await runPrime(["env", "--shell", "json"], { cwd: dir, env })).stdout);
    assert.equal(obj.TOKEN, undefined);
    assert.equal(obj.EXTRA, undefined);
    assert.ok(!pathExists(join(dir, ".prime", "trust")), "trust is kept outside the clone");

    const revoke = await runPrime(["trust", "--revoke"], { cwd: dir, env });
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.match(revoke.stderr, /no longer trusted|was not trusted/);
  },
});

Deno.test({
  name: "prime env refuses (exit 3, naming the key) shell, loader, import-path and prime names" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const cases: Array<[string, string, RegExp]> = [
      ["PROMPT_COMMAND", "touch /tmp/pwned", /controls the shell/],
      ["BASH_ENV", "/tmp/evil.sh", /controls the shell/],
      ["LD_PRELOAD", "/tmp/evil.so", /dynamic loader/],
      ["PYTHONSTARTUP", "/tmp/evil.py", /what Python imports or runs/],
      ["PRIME_PYTHON", "/tmp/evil/python", /controls prime/],
      // bash: 0 truncates ~/.bash_history at the shell's exit; zsh: `prompt` is PS1.
      ["HISTFILESIZE", "0", /controls the shell/],
      ["prompt", "$(touch /tmp/pwned)", /controls the shell/],
      // Last: the user allows it below.
      ["fish_user_paths", "/tmp/evil", /controls the shell/],
    ];
    const { dir, env } = await makeRepo();
    for (const [name, value, why] of cases) {
      await Deno.writeTextFile(
        join(dir, "prime.toml"),
        primeToml() + `vars = { SAFE = "1", ${name} = "${value}" }\n`,
      );
      assert.equal((await runPrime(["trust"], { cwd: dir, env })).code, 0);
      for (const shell of ["sh", "fish", "json"]) {
        const r = await runPrime(["env", "--shell", shell], { cwd: dir, env });
        assert.equal(r.code, 3, `${name} ${shell}: ${r.stderr}`);
        assert.equal(r.stdout, "", `${name}: nothing is printed for eval`);
        assert.match(r.stderr, new RegExp(`vars: \`${name}\``));
        assert.match(r.stderr, why);
        assert.match(r.stderr, new RegExp(`hint: .*PRIME_ALLOW_VARS=${name}`));
      }
      // prime shell hands the same variables to the user's shell.
      const s = await runPrime(["shell", "-c", "true"], {
        cwd: dir,
        env: { ...env, SHELL: "/bin/sh" },
      });
      assert.equal(s.code, 3, `${name} shell: ${s.stderr}`);
    }
    // The user opts in from outside the repo: exported as asked.
    const ok = await runPrime(["env", "--shell", "json"], {
      cwd: dir,
      env: { ...env, PRIME_ALLOW_VARS: "fish_user_paths" },
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).fish_user_paths, "/tmp/evil");
  },
});

Deno.test({
  name: "names a shell keeps for itself (status, path, UID) never break activation" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      toml: primeToml() + 'vars_files = [".env"]\n',
      files: { ".env": "UID=0\nstatus=1\npath=/tmp/evil\nversion=9\nAPP_MODE=dev\n" },
    });
    assert.equal((await runPrime(["trust"], { cwd: dir, env })).code, 0);
    const sh = await runPrime(["env"], { cwd: dir, env });
    assert.equal(sh.code, 0, sh.stderr);
    for (const name of ["UID", "status", "path"]) {
      assert.ok(!sh.stdout.includes(`export ${name}=`), `${name} exported for sh`);
      assert.match(sh.stderr, new RegExp(`\`${name}\` is special in sh/bash/zsh; skipped`));
    }
    const probe = 'eval "$(cat)"; printf "%s|%s" "$APP_MODE" "$VIRTUAL_ENV"';
    const want = `dev|${join(dir, ".venv")}`;
    assert.equal(await shellOut("/bin/sh", ["-c", probe], sh.stdout), want);
    if (which("bash")) {
      assert.equal(await shellOut(which("bash")!, ["--posix", "-c", probe], sh.stdout), want);
    }
    if (which("zsh")) assert.equal(await shellOut(which("zsh")!, ["-c", probe], sh.stdout), want);
    if (which("fish")) {
      const f = await runPrime(["env", "--shell", "fish"], { cwd: dir, env });
      assert.equal(f.code, 0, f.stderr);
      assert.ok(!/set -gx (status|version) /.test(f.stdout), f.stdout);
      const out = await shellOut(
        which("fish")!,
        ["-c", 'cat | source; printf "%s|%s" $APP_MODE $VIRTUAL_ENV'],
        f.stdout,
      );
      assert.equal(out, want);
    }
  },
});

// ---- 5. values that become code or paths ----

Deno.test({
  name: "a newline in python_path (prime.toml or PEP 723) is exit 3, and no .pth runs code" + WHY,
  ignore: IGNORE,
  async fn() {
    const payload = 'src\\nimport os; open(\\"PWNED\\", \\"w\\")';
    const { dir, env } = await makeRepo({
      toml: primeToml() + `python_path = ["${payload}"]\n`,
      files: { "src/.keep": "" },
    });
    const r = await runPrime(["sync"], { cwd: dir, env });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /`python_path` item .* contains a control character/);
    assert.ok(!pathExists(join(dir, ".venv")), "nothing was built");

    const script = join(dir, "tool.py");
    await Deno.writeTextFile(
      script,
      `# /// script\n# dependencies = []\n# [tool.prime]\n# python_path = ["${payload}"]\n# ///\nprint("ran")\n`,
    );
    const s = await runPrime([script], { cwd: dir, env });
    assert.equal(s.code, 3, s.stderr);
    assert.match(s.stderr, /python_path` items must not contain control characters/);
    assert.ok(!pathExists(join(dir, "PWNED")));
  },
});

Deno.test({
  name: "a clone at a path with `:` is refused (exit 5), as Python's venv does" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({ subdir: "a:b" });
    const r = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /refusing to make a venv at .*a:b\/\.venv.*the PATH separator/);
    assert.ok(!pathExists(join(dir, ".venv")));
    for (const driver of ["venv_uv", "venv_pip"]) {
      const d = await runPrime(["sync"], { cwd: dir, env: { ...env, PRIME_VENV_DRIVER: driver } });
      assert.equal(d.code, 5, `${driver}: ${d.stderr}`);
    }
  },
});

// ---- 6. no write through a repo's symlinks, no unbounded read ----

Deno.test({
  name: "prime use never writes through a committed .prime/env or .prime link" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({ toml: primeToml() + "[env.dev]\n" });
    const outside = await Deno.makeTempDir();
    const target = join(outside, "precious");
    await Deno.writeTextFile(target, "secret first line\nsecond\n");
    await Deno.mkdir(join(dir, ".prime"));
    await Deno.symlink(target, join(dir, ".prime", "env"));

    const show = await runPrime(["use"], { cwd: dir, env });
    assert.equal(show.code, 0, show.stderr);
    assert.ok(!(show.stdout + show.stderr).includes("secret"), "the link's target was shown");
    const r = await runPrime(["use", "dev"], { cwd: dir, env });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /\.prime\/env is a symlink; prime writes there only to a regular file/);
    assert.equal(await Deno.readTextFile(target), "secret first line\nsecond\n");

    await Deno.remove(join(dir, ".prime"), { recursive: true });
    await Deno.symlink(outside, join(dir, ".prime"));
    const d = await runPrime(["use", "dev"], { cwd: dir, env });
    assert.equal(d.code, 3, d.stderr);
    assert.match(d.stderr, /\.prime is a symlink/);
    assert.deepEqual([...Deno.readDirSync(outside)].map((e) => e.name), ["precious"]);
    const clear = await runPrime(["use", "-"], { cwd: dir, env });
    assert.equal(clear.code, 3, clear.stderr);
    assert.equal(await Deno.readTextFile(target), "secret first line\nsecond\n");
  },
});

Deno.test({
  name: "prime.toml or pyproject.toml linked to /dev/zero, or a FIFO, is exit 3 at once" + WHY,
  ignore: IGNORE,
  async fn() {
    for (const name of ["prime.toml", "pyproject.toml"]) {
      const { dir, env } = await makeRepo({ toml: name === "prime.toml" ? undefined : "" });
      if (name === "pyproject.toml") await Deno.remove(join(dir, "prime.toml"));
      await Deno.remove(join(dir, name)).catch(() => {});
      await Deno.symlink("/dev/zero", join(dir, name));
      const z = await runPrime(["info"], { cwd: dir, env });
      assert.equal(z.code, 3, `${name}: ${z.stderr}`);
      assert.match(z.stderr, new RegExp(`${name} is not a file but a character device`));
      await Deno.remove(join(dir, name));
      const mk = await new Deno.Command("mkfifo", { args: [join(dir, name)] }).output();
      assert.equal(mk.code, 0);
      const f = await runPrime(["info"], { cwd: dir, env });
      assert.equal(f.code, 3, `${name}: ${f.stderr}`);
      assert.match(f.stderr, new RegExp(`${name} is not a file but a FIFO`));
    }
  },
});

Deno.test({
  name: "a config input past 1 MiB is exit 3, naming the file and the limit" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    await Deno.writeTextFile(
      join(dir, "prime.toml"),
      primeToml() + `# ${"x".repeat(1024 * 1024)}\n`,
    );
    const r = await runPrime(["info"], { cwd: dir, env });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /prime\.toml is larger than 1 MiB/);
  },
});

Deno.test({
  name: "on the warm path, a vars file turned FIFO and a script that is a FIFO or /dev/zero fail" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      toml: primeToml() + 'vars_files = [".env"]\n',
      files: { ".env": "A=1\n" },
    });
    const ok = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(ok.code, 0, ok.stderr);
    await Deno.remove(join(dir, ".env"));
    assert.equal(
      (await new Deno.Command("mkfifo", { args: [join(dir, ".env")] }).output()).code,
      0,
    );
    const v = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(v.code, 3, v.stderr);
    assert.match(v.stderr, /\.env is not a file but a FIFO/);
    await Deno.remove(join(dir, ".env"));

    await new Deno.Command("mkfifo", { args: [join(dir, "fifo.py")] }).output();
    await Deno.symlink("/dev/zero", join(dir, "zero.py"));
    for (const script of ["fifo.py", "zero.py"]) {
      const r = await runPrime([`./${script}`], { cwd: dir, env });
      assert.equal(r.code, 2, `${script}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`not a file: \\./${script}`));
    }
    await Deno.writeTextFile(join(dir, "app.py"), APP);
  },
});

// ---- 7. limits that cannot be turned against prime ----

Deno.test({
  name: "prime shell obeys the PRIME_DEPTH limit (exit 2)" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo();
    const r = await runPrime(["shell", "-c", "echo inner"], {
      cwd: dir,
      env: { ...env, SHELL: "/bin/sh", PRIME_DEPTH: "16" },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /nested 16 deep/);
  },
});

Deno.test({
  name: "a huge PRIME_SELECTOR_TIMEOUT does not time the selector out at once" + WHY,
  ignore: IGNORE,
  async fn() {
    const { dir, env } = await makeRepo({
      toml: primeToml() + 'python_selector_file_rel_path = "pick.sh"\n',
      files: { "pick.sh": `#!/bin/sh\nsleep 0.2\necho ${PY!.path}\n` },
    });
    await Deno.chmod(join(dir, "pick.sh"), 0o755);
    for (const value of ["3000000", "1e12", "Infinity"]) {
      const r = await runPrime(["--refresh", "sync"], {
        cwd: dir,
        env: { ...env, PRIME_SELECTOR_TIMEOUT: value },
      });
      assert.equal(r.code, 0, `${value}: ${r.stderr}`);
    }
  },
});
