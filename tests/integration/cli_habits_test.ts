/**
 * CLI habits, as a user types them: per-command help, clustered short flags, info and
 * clean for a PEP 723 script's env, no JavaScript stack under -v for an ordinary
 * error, and `prime info` labels that never run into their values.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { IGNORE, WHY } from "../helpers/reliability.ts";
import { need, requires } from "../helpers/requires.ts";

Deno.test("prime help info and prime info --help print the info command's help", async () => {
  const env = testEnv(await Deno.makeTempDir());
  const dir = await tempTree();
  const a = await runPrime(["help", "info"], { cwd: dir, env });
  const b = await runPrime(["info", "--help"], { cwd: dir, env });
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.match(a.stdout, /^Usage:\n {2}prime \[OPTIONS\] info/);
  assert.match(a.stdout, /Explains every decision/);
  assert.doesNotMatch(a.stdout, /prime \[OPTIONS\] lock/, "only info's usage");
  const run = await runPrime(["run", "--help"], { cwd: dir, env });
  assert.match(run.stdout, /prime \[OPTIONS\] run CMD/);
  const bad = await runPrime(["help", "bogus"], { cwd: dir, env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no help for `bogus`: it is not a command\n/);
  // A misspelt topic gets the command it probably meant, as a misspelt command does.
  const typo = await runPrime(["help", "snyc"], { cwd: dir, env });
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /no help for `snyc`: it is not a command; did you mean `sync`\?/);
  assert.match(typo.stderr, /hint: run `prime help sync`/);
});

Deno.test({
  name: "combined short flags work, and -v shows no stack for an ordinary exit-4 error" + WHY,
  ignore: IGNORE,
  async fn() {
    const dir = await tempTree({ "app.py": "print('ran')\n" });
    const env = testEnv(await Deno.makeTempDir());
    const vq = await runPrime(["-vq", "app.py"], { cwd: dir, env });
    assert.equal(vq.code, 0, vq.stderr);
    assert.equal(vq.stdout.trim(), "ran");
    assert.equal(vq.stderr, "", "-q wins over -v");
    const e4 = await runPrime(["-v", "--python", "2.5", "app.py"], { cwd: dir, env });
    assert.equal(e4.code, 4, e4.stderr);
    assert.match(e4.stderr, /no interpreter satisfies ==2\.5\.\*/);
    assert.doesNotMatch(e4.stderr, /\n\s+at .*\.ts:\d+/, "no JavaScript stack under -v");
    const vv = await runPrime(["-vv", "--python", "2.5", "app.py"], { cwd: dir, env });
    assert.match(vv.stderr, /\n\s+at .*\.ts:\d+/, "-vv shows it, for bug reports");
  },
});

Deno.test({
  name: "prime info aligns every label, long ones too, and reads as prose" + WHY,
  ignore: IGNORE,
  async fn() {
    const dir = await tempTree({
      "prime.toml": `venv_driver = "venv_pip"\nproject_dirs = ["pkg"]\n` +
        `dependency_groups = []\nconstraints_file = "c.txt"\n`,
      "pkg/setup.py": "",
    });
    const r = await runPrime(["info"], { cwd: dir, env: testEnv(await Deno.makeTempDir()) });
    assert.equal(r.code, 0, r.stderr);
    const labelled = r.stdout.split("\n").filter((l) => /^[a-z][a-z_ ]*:\s*\S/.test(l));
    const columns = new Set(labelled.map((l) => l.search(/(?<=:\s*)\S/)));
    assert.equal(columns.size, 1, `one value column:\n${r.stdout}`);
    assert.match(r.stdout, /^project_dirs: +\//m);
    assert.doesNotMatch(r.stdout, /from none/);
    assert.match(r.stdout, /^requires: +any Python 3 \(nothing asks for a version\)$/m);
    for (const line of r.stdout.split("\n")) {
      assert.doesNotMatch(line, /\([^()]*\(/, `no nested parentheses: ${line}`);
    }
  },
});

Deno.test({
  name: "prime info SCRIPT and prime clean SCRIPT work on a PEP 723 script's env" + WHY,
  ignore: IGNORE,
  async fn() {
    const dir = await tempTree({
      "tools/s.py":
        `# /// script\n# dependencies = []\n# [tool.prime]\n# venv_driver = "venv_pip"\n# ///\nprint("hi")\n`,
    });
    const cache = await Deno.makeTempDir();
    const env = testEnv(cache);
    const before = JSON.parse(
      (await runPrime(["info", "--json", "tools/s.py"], { cwd: dir, env })).stdout,
    );
    assert.equal(before.venv.fresh, false);
    assert.ok(before.venv.path.startsWith(join(cache, "scripts")), before.venv.path);
    const r = await runPrime(["tools/s.py"], { cwd: dir, env });
    assert.equal(r.stdout.trim(), "hi", r.stderr);
    const after = JSON.parse(
      (await runPrime(["info", "--json", "tools/s.py"], { cwd: dir, env })).stdout,
    );
    assert.equal(after.venv.path, before.venv.path, "info names the env the script runs in");
    assert.equal(after.venv.fresh, true);
    const c = await runPrime(["clean", "tools/s.py"], { cwd: dir, env });
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stderr, /removed .*scripts/);
    assert.throws(() => Deno.statSync(before.venv.path), Deno.errors.NotFound);
  },
});

Deno.test("a mistyped command is exit 2 with the command it probably meant", async () => {
  const dir = await tempTree({});
  const env = testEnv(await Deno.makeTempDir());
  for (const [typo, meant] of [["snyc", "sync"], ["inof", "info"], ["lcok", "lock"]]) {
    const r = await runPrime([typo], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`unknown command or script: ${typo}; did you mean \`${meant}\`\\?`),
    );
    assert.doesNotMatch(r.stderr, /commands are /);
  }
  // A missing script, or a word far from every command, gets the list instead of a guess.
  for (const word of ["app.py", "frobnicate"]) {
    const r = await runPrime([word], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /did you mean/);
    assert.match(r.stderr, /commands are sync, run, info/);
  }
});

/** Whether a shell is installed (the completion tests for it skip, named, where not). */
function has(shell: string): boolean {
  return new Deno.Command("sh", { args: ["-c", `command -v ${shell}`], stdout: "null" })
    .outputSync().success;
}

async function completions(shell: string): Promise<string> {
  const dir = await tempTree();
  const r = await runPrime(["completions", shell], { cwd: dir, env: testEnv(dir) });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

async function sh(cmd: string[], stdin = ""): Promise<{ code: number; out: string }> {
  const p = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  const o = await p.output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

Deno.test("prime completions bash passes bash -n and completes commands, options and values", async () => {
  const script = await completions("bash");
  const file = join(await tempTree(), "prime.bash");
  await Deno.writeTextFile(file, script);
  assert.equal((await sh(["bash", "-n", file])).code, 0);
  const probe = `source ${file}
t() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _prime; echo "$*|\${COMPREPLY[*]}"; }
t prime sy; t prime info --j; t prime env --shell fi; t prime lock --upgrade-; t prime -v lo; t prime completions z; t prime help bun
`;
  const r = await sh(["bash", "-c", probe]);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(r.out.trim().split("\n"), [
    "prime sy|sync",
    "prime info --j|--json",
    "prime env --shell fi|fish",
    "prime lock --upgrade-|--upgrade-package",
    "prime -v lo|lock",
    "prime completions z|zsh",
    "prime help bun|bundle",
  ]);
  // Unknown shells are a usage error.
  const dir = await tempTree();
  const bad = await runPrime(["completions", "tcsh"], { cwd: dir, env: testEnv(dir) });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no script for tcsh; there are bash, zsh and fish/);
});

Deno.test({
  name: "prime completions zsh passes zsh -n and completes an option in a real zsh" +
    requires(need(has("zsh"), "no zsh")).why,
  ignore: !has("zsh"),
  async fn() {
    const file = join(await tempTree(), "_prime");
    await Deno.writeTextFile(file, await completions("zsh"));
    assert.equal((await sh(["zsh", "-n", file])).code, 0);
    // A real interactive zsh on a pty (zsh/zpty): TAB after `--upgrade-` completes it.
    const driver = `zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PS1="> "; autoload -Uz compinit; compinit -u -D; source ${file}'
sleep 1
zpty -w -n z $'prime lock --upgrade-\\t'
sleep 2
out=""
while zpty -r -t z chunk; do out+=$chunk; done
print -r -- "$out"
zpty -d z
`;
    const r = await sh(["zsh", "-f", "-c", driver]);
    assert.match(r.out, /prime lock --upgrade-package/, r.out);
  },
});

Deno.test({
  name: "prime completions fish parses and completes with fish's complete -C" +
    requires(need(has("fish"), "no fish")).why,
  ignore: !has("fish"),
  async fn() {
    const file = join(await tempTree(), "prime.fish");
    await Deno.writeTextFile(file, await completions("fish"));
    assert.equal((await sh(["fish", "--no-execute", file])).code, 0);
    const r = await sh([
      "fish",
      "--no-config",
      "-c",
      `source ${file}; complete -C 'prime sy'; complete -C 'prime info --j'; complete -C 'prime completions b'`,
    ]);
    assert.equal(r.code, 0, r.out);
    const words = r.out.trim().split("\n").map((l) => l.split("\t")[0]);
    assert.deepEqual(words, ["sync", "--json", "bash"]);
  },
});
