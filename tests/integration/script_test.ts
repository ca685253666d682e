/**
 * PEP 723 scripts as a user runs them: `#!/usr/bin/env prime`, inline dependencies
 * from local wheels, a cached script env keyed by the block and the interpreter.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import {
  buildRepo,
  PRIME,
  pyenvPythons,
  runPrime,
  snapshotTree,
  tempTree,
  testEnv,
} from "../helpers/fixtures.ts";
import { need, requirePython, requires } from "../helpers/requires.ts";

const { ignore, why } = requirePython();

function script(deps: string[], requires = ">=3.8", extra = ""): string {
  return `#!/usr/bin/env prime
# /// script
# requires-python = "${requires}"
# dependencies = [${deps.map((d) => JSON.stringify(d)).join(", ")}]
# [tool.prime]
# install_args = ["--no-index", "--find-links", "wheels"]
# venv_driver = "venv_pip"
${extra}# ///
import sys, json, greeting
print(json.dumps({"greeting": greeting.hello("s"), "prefix": sys.prefix,
  "version": "%d.%d" % sys.version_info[:2], "argv": sys.argv[1:], "no_user_site": sys.flags.no_user_site}))
`;
}

async function setup(text: string) {
  const pathDir = await tempTree();
  await Deno.symlink(PRIME, join(pathDir, "prime"));
  const repo = await buildRepo({
    subdir: "bin",
    files: { tool: text },
    wheels: [["greeting", "1.0"], ["greeting", "2.0"]],
    env: { PATH: `${pathDir}:${Deno.env.get("PATH")}` },
  });
  const { cache, env } = repo;
  const dir = dirname(repo.dir);
  await Deno.chmod(join(dir, "bin", "tool"), 0o755);
  const elsewhere = await tempTree();
  const run = async (args: string[] = []) => {
    const out = await new Deno.Command(join(dir, "bin", "tool"), {
      args,
      cwd: elsewhere,
      env,
      clearEnv: true,
    }).output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  return { dir, cache, env, run, tool: join(dir, "bin", "tool") };
}

Deno.test({
  name: "an extension-less PEP 723 shebang script gets its own cached env" + why,
  ignore,
  async fn() {
    const { cache, run } = await setup(script(["greeting==1.0"]));
    const cold = await run(["--help", "x"]);
    assert.equal(cold.code, 0, cold.stderr);
    const out = JSON.parse(cold.stdout);
    assert.equal(out.greeting, "hello, s, from greeting 1.0");
    assert.deepEqual(out.argv, ["--help", "x"]);
    assert.equal(out.no_user_site, 1);
    assert.ok(out.prefix.startsWith(join(cache, "scripts")), out.prefix);
    assert.match(cold.stderr, /building the script env/);

    const envDir = out.prefix;
    const before = snapshotTree(envDir);
    const lastUsed = Deno.statSync(join(envDir, "prime-last-used")).mtime!.getTime();
    await new Promise((r) => setTimeout(r, 20));
    const warm = await run();
    assert.equal(warm.code, 0, warm.stderr);
    assert.equal(warm.stderr, "");
    const after = snapshotTree(envDir);
    const changed = [...after.keys()].filter((k) => after.get(k) !== before.get(k));
    assert.deepEqual(
      changed,
      [join(envDir, "prime-last-used")],
      "warm reuse writes only last-used",
    );
    assert.ok(Deno.statSync(join(envDir, "prime-last-used")).mtime!.getTime() > lastUsed);
  },
});

Deno.test({
  name: "editing the block moves the script to a matching env, and back" + why,
  ignore,
  async fn() {
    const { run, tool } = await setup(script(["greeting==1.0"]));
    const one = JSON.parse((await run()).stdout);
    await Deno.writeTextFile(tool, script(["greeting==2.0"]));
    const r2 = await run();
    assert.equal(r2.code, 0, r2.stderr);
    const two = JSON.parse(r2.stdout);
    assert.match(two.greeting, /greeting 2\.0/);
    assert.notEqual(two.prefix, one.prefix);
    await Deno.writeTextFile(tool, script(["greeting==1.0"]));
    const back = await run();
    assert.equal(back.code, 0, back.stderr);
    assert.equal(JSON.parse(back.stdout).prefix, one.prefix);
    assert.equal(back.stderr, "", "the earlier env is reused with no build");
  },
});

const minors = pyenvPythons().filter((p) =>
  p.minor.startsWith("3.") && Number(p.minor.slice(2)) >= 8
);
Deno.test({
  name: "requires-python steers the interpreter, and two interpreters never share an env" +
    requires(need(minors.length >= 2, "needs two Pythons >= 3.8 under pyenv")).why,
  ignore: minors.length < 2,
  async fn() {
    const low = minors[0];
    const { run, tool } = await setup(script(["greeting==1.0"], `==${low.minor}.*`));
    const a = await run();
    assert.equal(a.code, 0, a.stderr);
    assert.equal(JSON.parse(a.stdout).version, low.minor);
    await Deno.writeTextFile(tool, script(["greeting==1.0"], `>${low.minor}`));
    const b = await run();
    assert.equal(b.code, 0, b.stderr);
    assert.notEqual(JSON.parse(b.stdout).version, low.minor);
    assert.notEqual(JSON.parse(b.stdout).prefix, JSON.parse(a.stdout).prefix);
  },
});

const badBlocks: [string, string, number, RegExp][] = [
  [
    "two script blocks",
    "# /// script\n# dependencies = []\n# ///\n# /// script\n# dependencies = []\n# ///\nprint(1)\n",
    3,
    /script/,
  ],
  ["invalid TOML", "# /// script\n# dependencies = [\n# ///\nprint(1)\n", 3, /bad\.py.*\d/],
  [
    "a wrong type",
    '# /// script\n# dependencies = "greeting"\n# ///\nprint(1)\n',
    3,
    /dependencies/,
  ],
  [
    "a bad requires-python",
    '# /// script\n# requires-python = ">=three"\n# ///\nprint(1)\n',
    3,
    /requires-python/,
  ],
];
for (const [name, text, code, re] of badBlocks) {
  Deno.test({
    name: `a PEP 723 block with ${name} exits ${code} naming the script` + why,
    ignore,
    async fn() {
      const dir = await tempTree({ "bad.py": text });
      const r = await runPrime(["bad.py"], { cwd: dir, env: testEnv(await Deno.makeTempDir()) });
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, re);
      assert.match(r.stderr, /bad\.py/);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    },
  });
}

Deno.test({
  name: "an unclosed block is ignored with a warning, as PEP 723 says" + why,
  ignore,
  async fn() {
    const dir = await tempTree({
      "open.py": "# /// script\n# dependencies = []\nimport sys; print(sys.flags.no_user_site)\n",
    });
    const r = await runPrime(["open.py"], { cwd: dir, env: testEnv(await Deno.makeTempDir()) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "1");
    assert.match(r.stderr, /warning:.*(unclosed|not closed)/i);
  },
});
