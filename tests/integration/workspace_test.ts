/**
 * Workspace roots: a subproject that its ancestor's config names (in project_dirs, or
 * in [tool.uv.workspace] members) runs in the ancestor's env, as a uv workspace member
 * does. Real Python, real pip, tinybackend-built editable projects, local wheels.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeBackendWheel, makeWheel, runPrime, tempTree, testEnv } from "../helpers/fixtures.ts";
import { IGNORE, PY, WHY } from "../helpers/reliability.ts";

const SHOW = "import os, pkg_a, pkg_b; print(pkg_a.hi(), pkg_b.hi(), os.environ['PRIME_REF_ROOT'])";

function member(name: string, deps: string, extra = ""): Record<string, string> {
  return {
    [`${name}/pyproject.toml`]: `[build-system]
requires = ["tinybackend"]
build-backend = "tinybackend"

[project]
name = "pkg-${name.split("/").pop()}"
version = "0.1"
dependencies = ${deps}
${extra}`,
    [`${name}/pkg_${name.split("/").pop()}/__init__.py`]: `def hi():\n    return "${
      name.split("/").pop()
    } from the workspace"\n`,
  };
}

Deno.test({
  name:
    "a subproject named in the root's project_dirs runs in the root's env, warm too; dropping it from project_dirs makes it its own ref root" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const root = await tempTree({
      "prime.toml": `required_python_version = "${PY!.minor}"
venv_driver = "venv_pip"
project_dirs = ["a", "b"]
install_args = ["--no-index", "--find-links", "wheels"]
`,
      ...member("a", "[]"),
      // b needs pkg-a, which no index has: only the workspace provides it. Its own
      // [tool.prime] applies only when b stands alone.
      ...member(
        "b",
        `["pkg-a"]`,
        `\n[tool.prime]\nvenv_driver = "venv_pip"\ninstall_args = ["--no-index", "--find-links", "../wheels"]\n`,
      ),
      "b/src/deep/.keep": "",
    });
    await makeBackendWheel(join(root, "wheels"));
    const env = testEnv(await Deno.makeTempDir());
    const deep = join(root, "b", "src", "deep");
    const r = await runPrime(["run", "python", "-c", SHOW], { cwd: deep, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `a from the workspace b from the workspace ${root}`);
    assert.match(r.stderr, /building \.venv/);
    await assert.rejects(Deno.stat(join(root, "b", ".venv")), Deno.errors.NotFound);
    await Deno.stat(join(root, ".venv", "prime-stamp.json"));

    const warm = await runPrime(["-v", "run", "python", "-c", SHOW], { cwd: deep, env });
    assert.equal(warm.code, 0, warm.stderr);
    assert.equal(warm.stdout, r.stdout);
    assert.match(warm.stderr, new RegExp(`^prime: ${root}/\\.venv is fresh; exec `, "m"));

    const info = await runPrime(["info"], { cwd: deep, env });
    assert.match(info.stdout, new RegExp(`^ref root: +${root}$`, "m"));
    assert.match(
      info.stdout,
      new RegExp(`workspace root: ${root}/prime\\.toml names ${root}/b in project_dirs`),
    );
    const json = JSON.parse((await runPrime(["info", "--json"], { cwd: deep, env })).stdout);
    assert.deepEqual(json.workspace, {
      member: join(root, "b"),
      named_in: join(root, "prime.toml"),
      via: "project_dirs",
    });
    assert.equal(json.venv.fresh, true, json.venv.reason);

    // The root no longer names b: b is its own ref root, and gets pkg-a from the index.
    await makeWheel(join(root, "wheels"), "pkg-a", "9.0");
    const toml = await Deno.readTextFile(join(root, "prime.toml"));
    await Deno.writeTextFile(join(root, "prime.toml"), toml.replace(`"a", "b"`, `"a"`));
    const alone = await runPrime([
      "run",
      "python",
      "-c",
      "import os, pkg_a; print(pkg_a.__version__, os.environ['PRIME_REF_ROOT'])",
    ], {
      cwd: deep,
      env,
    });
    assert.equal(alone.code, 0, alone.stderr);
    assert.equal(alone.stdout.trim(), `9.0 ${join(root, "b")}`);
    await Deno.stat(join(root, "b", ".venv", "prime-stamp.json"));
  },
});

Deno.test({
  name: "a [tool.uv.workspace] member runs in the workspace root's env, which holds every member" +
    WHY,
  ignore: IGNORE,
  async fn() {
    const root = await tempTree({
      "pyproject.toml": `[project]
name = "root"
version = "0"
requires-python = ">=${PY!.minor}"

[tool.uv.workspace]
members = ["packages/*"]
exclude = ["packages/skip"]

[tool.prime]
venv_driver = "venv_pip"
install_args = ["--no-index", "--find-links", "wheels"]
`,
      ...member("packages/a", "[]"),
      ...member("packages/b", `["pkg-a"]`, `\n[tool.uv.sources]\npkg-a = { workspace = true }\n`),
      ...member("packages/skip", "[]"),
    });
    await makeBackendWheel(join(root, "wheels"));
    const env = testEnv(await Deno.makeTempDir());
    const r = await runPrime(["run", "python", "-c", SHOW], {
      cwd: join(root, "packages", "b"),
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `a from the workspace b from the workspace ${root}`);
    const json = JSON.parse(
      (await runPrime(["info", "--json"], { cwd: join(root, "packages", "b"), env })).stdout,
    );
    assert.equal(json.ref_root, root);
    assert.equal(json.workspace.via, "[tool.uv.workspace] members");
    assert.deepEqual(json.plan.project_dirs, [
      join(root, "packages", "a"),
      join(root, "packages", "b"),
    ]);
    // An excluded member stands alone.
    const skip = JSON.parse(
      (await runPrime(["info", "--json"], { cwd: join(root, "packages", "skip"), env })).stdout,
    );
    assert.equal(skip.ref_root, join(root, "packages", "skip"));
    assert.equal(skip.workspace, null);
  },
});
