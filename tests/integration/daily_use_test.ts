/** `prime use`: this clone's env choice, printed, saved, cleared and validated. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRepo, runPrime } from "../helpers/fixtures.ts";
import { requirePython } from "../helpers/requires.ts";

const { py, ignore, why } = requirePython();

async function makeRepo(extra = "") {
  return await buildRepo({
    files: {
      "prime.toml": `required_python_version = "${py?.minor ?? "3"}"
venv_driver = "venv_pip"
${extra}
[env.dev]
vars = { MODE = "dev" }

[env.prod]
vars = { MODE = "prod" }
`,
    },
  });
}

Deno.test("prime use NAME saves the choice, prints it with its source, and - clears it", async () => {
  const { dir, env } = await makeRepo();
  const none = await runPrime(["use"], { cwd: dir, env });
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /^\(none\): no env is picked/);
  assert.match(none.stderr, /envs defined: dev, prod/);

  const set = await runPrime(["use", "dev"], { cwd: dir, env });
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, "");
  assert.equal(await Deno.readTextFile(join(dir, ".prime", "env")), "dev\n");
  assert.equal(await Deno.readTextFile(join(dir, ".prime", ".gitignore")), "*\n");

  const shown = await runPrime(["use"], { cwd: dir, env });
  assert.equal(shown.stdout, "dev (from prime use, saved in .prime/env)\n");

  const flag = await runPrime(["-e", "prod", "use"], { cwd: dir, env });
  assert.equal(flag.stdout, "prod (from --env)\n");
  assert.match(flag.stderr, /this clone's choice is dev \(prime use\), but --env wins/);
  const envVar = await runPrime(["use"], { cwd: dir, env: { ...env, PRIME_ENV: "prod" } });
  assert.equal(envVar.stdout, "prod (from PRIME_ENV)\n");

  const cleared = await runPrime(["use", "-"], { cwd: dir, env });
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.match(cleared.stderr, /cleared this clone's env choice \(was dev\)/);
  const after = await runPrime(["use"], { cwd: dir, env });
  assert.match(after.stdout, /^\(none\)/);
});

Deno.test("prime use falls back to default_env and reports it", async () => {
  const { dir, env } = await makeRepo('default_env = "prod"');
  const r = await runPrime(["use"], { cwd: dir, env });
  assert.equal(r.stdout, "prod (from default_env in prime.toml)\n");
});

Deno.test("prime use with an unknown name is a configuration error and saves nothing", async () => {
  const { dir, env } = await makeRepo();
  const r = await runPrime(["use", "dve"], { cwd: dir, env });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /unknown env `dve`.*did you mean `dev`/);
  assert.doesNotMatch(r.stderr, /from --env/, "the name came from prime use, not --env");
  assert.throws(() => Deno.statSync(join(dir, ".prime", "env")));
});

Deno.test("prime use with a saved choice whose env was removed says it is ignored, and names no winner", async () => {
  const { dir, env } = await makeRepo();
  assert.equal((await runPrime(["use", "dev"], { cwd: dir, env })).code, 0);
  const toml = join(dir, "prime.toml");
  await Deno.writeTextFile(
    toml,
    (await Deno.readTextFile(toml)).replace("[env.dev]", "[env.staging]"),
  );
  const r = await runPrime(["use"], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\(none\)/);
  assert.match(r.stderr, /the saved env choice `dev` is no longer defined; ignoring it/);
  assert.doesNotMatch(r.stderr, /null/);
  assert.doesNotMatch(r.stderr, /wins/);
  // With a default_env, that applies, and still does not "win" over the stale choice.
  await Deno.writeTextFile(toml, `default_env = "prod"\n${await Deno.readTextFile(toml)}`);
  const d = await runPrime(["use"], { cwd: dir, env });
  assert.equal(d.stdout, "prod (from default_env in prime.toml)\n");
  assert.doesNotMatch(d.stderr, /wins/);
});

Deno.test({
  name: "switching envs with prime use gives each its own venv, with no cleanup between" + why,
  ignore,
  async fn() {
    const { dir, env } = await makeRepo();
    const probe = ["run", "python", "-c", "import os,sys; print(sys.prefix, os.environ['MODE'])"];
    for (
      const [name, venv] of [["dev", ".venv-dev"], ["prod", ".venv-prod"], ["dev", ".venv-dev"]]
    ) {
      assert.equal((await runPrime(["use", name], { cwd: dir, env })).code, 0);
      const r = await runPrime(probe, { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), `${join(dir, venv)} ${name}`);
    }
    const last = await runPrime(probe, { cwd: dir, env });
    assert.equal(last.stderr, "", "the dev venv is still fresh after switching back");
  },
});
