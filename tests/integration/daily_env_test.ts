/** `prime env` and `prime shell`: the env's activation for eval, direnv and a subshell. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRepo, runFile, runPrime } from "../helpers/fixtures.ts";
import { need, requirePython, requires } from "../helpers/requires.ts";
import { fishQuote, shQuote } from "../../src/shell/quote.ts";

const { py, ignore, why } = requirePython();

function which(name: string): string | null {
  for (const d of ["/usr/bin", "/bin", "/usr/local/bin"]) {
    try {
      Deno.statSync(`${d}/${name}`);
      return `${d}/${name}`;
    } catch { /* not here */ }
  }
  return null;
}
const sh = which("sh");
const fish = which("fish");

/** Values that break naive quoting. */
const TRICKY = [
  "plain",
  "",
  "it's",
  "''",
  'say "hi"',
  "line1\nline2",
  "$HOME and ${PATH} and $(exit 9) and `exit 9`",
  "back\\slash \\' mixed",
  "tab\there; semi; & | < > * ? [a] ~",
  "trailing newline\n",
  "ünïcödé ✓",
];

/** Runs `program args` with `stdin`, returning stdout; fails the test on a non-zero exit. */
async function runWith(
  program: string,
  args: string[],
  stdin: string,
  env: Record<string, string> = { PATH: "/usr/bin:/bin" },
): Promise<string> {
  const r = await runFile(program, args, { env, stdin });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

Deno.test({
  name: "shQuote() output evaluates in a real sh to the original values" +
    requires(need(sh, "no sh in /usr/bin or /bin")).why,
  ignore: sh === null,
  async fn() {
    for (const v of TRICKY) {
      const out = await runWith(sh!, ["-c", `eval "X=$(cat)"; printf '%s' "$X"`], shQuote(v));
      assert.equal(out, v);
    }
  },
});

Deno.test({
  name: "fishQuote() output evaluates in a real fish to the original values" +
    requires(need(fish, "fish is not installed")).why,
  ignore: fish === null,
  async fn() {
    for (const v of TRICKY) {
      const out = await runWith(
        fish!,
        ["-c", "set -l q (cat | string collect); eval set X $q; printf '%s' $X"],
        fishQuote(v),
      );
      assert.equal(out, v);
    }
  },
});

async function makeRepo() {
  const secret = "p@ss'word $HOME `id`\nsecond line";
  const { dir, env } = await buildRepo({
    wheels: py ? [["greeting", "1.0"]] : [],
    files: {
      "prime.toml": `required_python_version = "${py?.minor ?? "3"}"
venv_driver = "venv_pip"
dependencies = ["greeting==1.0"]
install_args = ["--no-index", "--find-links", "wheels"]
vars = { APP_MODE = "it's \\"quoted\\" $NOT_EXPANDED" }
vars_files = [".env"]
`,
      ".env": `SECRET='${secret.replace("'", "")}'\nOTHER="a\\nb"\n`,
    },
  });
  // The user reviewed this clone's vars: `prime env` may export them (docs/SECURITY.md).
  const trusted = await runPrime(["trust"], { cwd: dir, env });
  assert.equal(trusted.code, 0, trusted.stderr);
  return { dir, env, secret: secret.replace("'", "") };
}

Deno.test({
  name: 'eval "$(prime env)" in sh activates the venv with the vars, and secrets stay off stderr' +
    why,
  ignore: ignore || sh === null,
  async fn() {
    const { dir, env, secret } = await makeRepo();
    const r = await runPrime(["env"], {
      cwd: dir,
      env: { ...env, PYTHONPATH: "/x", PYTHONHOME: "/y" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /building \.venv/, "build messages go to stderr");
    for (const value of [secret.split("\n")[0], "second line", "NOT_EXPANDED"]) {
      assert.ok(!r.stderr.includes(value), `no variable value reaches stderr: ${value}`);
    }
    assert.match(r.stdout, /^export VIRTUAL_ENV='/);
    const probe = `
      eval "$(cat)"
      printf '%s\\0' "$VIRTUAL_ENV" "\${PATH%%:*}" "$PRIME_REF_ROOT" "$APP_MODE" "$SECRET" "$OTHER" \\
        "\${PYTHONPATH-unset}" "\${PYTHONHOME-unset}" "$(command -v python)"
      python -c 'import greeting; print(greeting.hello("sh"))'`;
    const out = await runWith(sh!, ["-c", probe], r.stdout, {
      PATH: "/usr/bin:/bin",
      PYTHONPATH: "/x",
      PYTHONHOME: "/y",
    });
    const parts = out.split("\0");
    assert.deepEqual(parts.slice(0, -1), [
      join(dir, ".venv"),
      join(dir, ".venv", "bin"),
      dir,
      `it's "quoted" $NOT_EXPANDED`,
      secret,
      "a\nb",
      "unset",
      "unset",
      join(dir, ".venv", "bin", "python"),
    ]);
    assert.equal(parts.at(-1), "hello, sh, from greeting 1.0\n");
  },
});

Deno.test({
  name: "prime env --shell json prints one object (null = unset); --shell fish prints set -gx" +
    why,
  ignore,
  async fn() {
    const { dir, env, secret } = await makeRepo();
    const j = await runPrime(["env", "--shell", "json"], { cwd: dir, env });
    assert.equal(j.code, 0, j.stderr);
    const obj = JSON.parse(j.stdout);
    assert.equal(obj.VIRTUAL_ENV, join(dir, ".venv"));
    assert.equal(obj.PRIME_REF_ROOT, dir);
    assert.equal(obj.SECRET, secret);
    assert.equal(obj.PYTHONPATH, null);
    assert.equal(obj.PRIME_ENV_NAME, null);
    assert.ok(obj.PATH.startsWith(join(dir, ".venv", "bin") + ":"));

    const f = await runPrime(["env", "--shell=fish"], { cwd: dir, env });
    assert.equal(f.code, 0, f.stderr);
    assert.equal(f.stderr, "", "a fresh env builds nothing and says nothing");
    assert.ok(f.stdout.includes(`set -gx VIRTUAL_ENV '${join(dir, ".venv")}'\n`), f.stdout);
    assert.ok(f.stdout.includes("set -gx APP_MODE 'it\\'s \"quoted\" $NOT_EXPANDED'\n"));
    assert.ok(f.stdout.includes("set -e PYTHONPATH\n"));
    if (fish) {
      const out = await runWith(
        fish,
        ["-c", "cat | source; printf '%s|%s|%s' $VIRTUAL_ENV $PATH[1] $SECRET"],
        f.stdout,
      );
      assert.equal(out, `${join(dir, ".venv")}|${join(dir, ".venv", "bin")}|${secret}`);
    }
  },
});

Deno.test({
  name: "prime shell -c runs $SHELL with the env active and returns the shell's exit code" + why,
  ignore: ignore || sh === null,
  async fn() {
    const { dir, env } = await makeRepo();
    const r = await runPrime(
      ["shell", "-c", 'echo "$VIRTUAL_ENV|$APP_MODE|$(command -v python)"; exit 7'],
      { cwd: dir, env: { ...env, SHELL: sh! } },
    );
    assert.equal(r.code, 7, r.stderr);
    assert.equal(
      r.stdout,
      `${join(dir, ".venv")}|it's "quoted" $NOT_EXPANDED|${join(dir, ".venv", "bin", "python")}\n`,
    );
    const noShell = { ...env };
    delete noShell.SHELL;
    const fallback = await runPrime(["shell", "-c", "echo $0"], { cwd: dir, env: noShell });
    assert.equal(fallback.code, 0, fallback.stderr);
    assert.equal(fallback.stdout.trim(), "/bin/sh");
  },
});

Deno.test({
  name: "prime env of a fresh env is served from the build record (no Python probed), " +
    "and prints what the full command prints" + why,
  ignore,
  async fn() {
    const { dir, cache, env } = await buildRepo({
      files: {
        "prime.toml": `venv_driver = "venv_pip"\nrequired_python_version = "${py!.minor}"\n`,
        "app.py": "print('ran')\n",
      },
    });
    const ran = await runPrime(["app.py"], { cwd: dir, env });
    assert.equal(ran.code, 0, ran.stderr);
    // The full command selects a Python, which probes it (cached under probes/); the
    // one served from the record does not.
    await Deno.remove(join(cache, "probes"), { recursive: true });
    for (const shell of ["sh", "fish", "json"]) {
      const fast = await runPrime(["env", "--shell", shell], { cwd: dir, env });
      assert.equal(fast.code, 0, fast.stderr);
      assert.equal(fast.stderr, "");
      assert.ok(fast.stdout.includes(join(dir, ".venv")), fast.stdout);
      const probed = await Deno.stat(join(cache, "probes")).then(() => true, () => false);
      assert.equal(probed, false, "a fresh env's `prime env` selected a Python");
      // -v always takes the full command.
      const full = await runPrime(["-v", "env", "--shell", shell], { cwd: dir, env });
      assert.equal(full.code, 0, full.stderr);
      assert.equal(fast.stdout, full.stdout);
      await Deno.remove(join(cache, "probes"), { recursive: true });
    }
    // Another user's cache (a fresh PRIME_CACHE_DIR) holds no record of this build:
    // the clone's stamp vouches for nothing, and the full command runs (it builds).
    const other = await Deno.makeTempDir({ prefix: "prime-cache-" });
    const otherEnv = { ...env, PRIME_CACHE_DIR: other };
    const cold = await runPrime(["env"], { cwd: dir, env: otherEnv });
    assert.equal(cold.code, 0, cold.stderr);
    assert.match(cold.stderr, /not built by prime here/);
    // That full `prime env` left the pointer: the next one (direnv's, at the next
    // prompt) is served from the record, with no launch in between.
    await Deno.remove(join(other, "probes"), { recursive: true });
    const next = await runPrime(["env"], { cwd: dir, env: otherEnv });
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stdout, cold.stdout);
    assert.equal(await Deno.stat(join(other, "probes")).then(() => true, () => false), false);
  },
});
