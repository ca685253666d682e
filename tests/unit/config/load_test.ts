import assert from "node:assert/strict";
import { ConfigError, EXIT, UsageError } from "../../../src/core/errors.ts";
import { loadConfig, readPyProject } from "../../../src/config/load.ts";
import { findRefRoot } from "../../../src/core/ref_root.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "prime-cfg-" }));
  for (const [rel, text] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (rel.endsWith("/")) continue;
    await Deno.writeTextFile(path, text);
  }
  return root;
}

async function rejects(p: Promise<unknown>, re: RegExp, code: number = EXIT.CONFIG): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ConfigError || e instanceof UsageError, String(e));
    assert.equal(e.exitCode, code);
    assert.match(e.message, re);
    return true;
  });
}

Deno.test("findRefRoot() stops at the nearest prime.toml or pyproject.toml", async () => {
  const root = await tree({ "prime.toml": "", "a/pyproject.toml": "", "a/b/c/": "" });
  assert.equal(await findRefRoot(`${root}/a/b/c`), `${root}/a`);
  assert.equal(await findRefRoot(root), root);
  await Deno.remove(root, { recursive: true });
});

Deno.test("findRefRoot() resolves symlinks in the start directory", async () => {
  const root = await tree({ "repo/prime.toml": "", "repo/sub/": "" });
  await Deno.symlink(`${root}/repo/sub`, `${root}/link`);
  assert.equal(await findRefRoot(`${root}/link`), `${root}/repo`);
  await Deno.remove(root, { recursive: true });
});

Deno.test("findRefRoot() stops at a directory named pyproject.toml, so loading it fails loudly", async () => {
  const root = await tree({ "prime.toml": "", "x/pyproject.toml/": "" });
  assert.equal(await findRefRoot(`${root}/x`), `${root}/x`);
  await Deno.remove(root, { recursive: true });
});

Deno.test("findRefRoot() returns null when nothing is found up to /", async () => {
  const root = await tree({ "a/": "" });
  // Temp dirs live under /tmp, where no config is expected; check that assumption first.
  const above = await findRefRoot("/tmp");
  if (above === null) assert.equal(await findRefRoot(`${root}/a`), null);
  else assert.equal(await findRefRoot(`${root}/a`), above);
  await Deno.remove(root, { recursive: true });
});

Deno.test("findRefRoot() refuses a start directory that does not exist (exit 2)", async () => {
  await rejects(
    findRefRoot("/nonexistent/prime/dir"),
    /cannot start in \/nonexistent\/prime\/dir: it does not exist/,
    EXIT.USAGE,
  );
});

Deno.test("loadConfig() reads prime.toml with env tables and the pyproject beside it", async () => {
  const root = await tree({
    "prime.toml":
      'required_python_version = "3.12"\ndefault_env = "dev"\n[env.dev]\nrequirements = ["dev.txt"]\n',
    "pyproject.toml":
      '[project]\nname = "x"\nrequires-python = ">=3.9"\ndependencies = ["rich"]\n[build-system]\nrequires = []\n[dependency-groups]\ntest = ["pytest", {include-group = "lint"}]\nlint = ["ruff"]\n',
  });
  const cfg = await loadConfig(root);
  assert.deepEqual(cfg.configFiles, [`${root}/prime.toml`]);
  assert.deepEqual(cfg.base, { required_python_version: "3.12", default_env: "dev" });
  assert.deepEqual(cfg.envs, { dev: { requirements: ["dev.txt"] } });
  assert.deepEqual(cfg.pyproject, {
    path: `${root}/pyproject.toml`,
    name: "x",
    requiresPython: ">=3.9",
    dependencies: ["rich"],
    hasBuildSystem: true,
    dependencyGroups: { test: ["pytest", { "include-group": "lint" }], lint: ["ruff"] },
  });
  assert.deepEqual(cfg.warnings, []);
  await Deno.remove(root, { recursive: true });
});

Deno.test("loadConfig() reads [tool.prime] and [tool.prime.env.NAME] from pyproject.toml", async () => {
  const root = await tree({
    "pyproject.toml":
      '[tool.prime]\nvenv_driver = "venv_pip"\n[tool.prime.env.ci]\nvenv_driver = "venv_uv"\n',
  });
  const cfg = await loadConfig(root);
  assert.deepEqual(cfg.configFiles, [`${root}/pyproject.toml`]);
  assert.deepEqual(cfg.base, { venv_driver: "venv_pip" });
  assert.deepEqual(cfg.envs, { ci: { venv_driver: "venv_uv" } });
  await Deno.remove(root, { recursive: true });
});

Deno.test("loadConfig() of a zero-config pyproject has no config files and no keys", async () => {
  const root = await tree({
    "pyproject.toml": '[project]\nname = "x"\n[tool.black]\nline-length = 100\n',
  });
  const cfg = await loadConfig(root);
  assert.deepEqual([cfg.configFiles, cfg.base, cfg.envs], [[], {}, {}]);
  assert.equal(cfg.pyproject?.hasBuildSystem, false);
  await Deno.remove(root, { recursive: true });
});

Deno.test("loadConfig() ignores [tool.prime] with a warning when prime.toml exists", async () => {
  const root = await tree({
    "prime.toml": "",
    "pyproject.toml": '[tool.prime]\nvenv_driver = "venv_pip"\n',
  });
  const cfg = await loadConfig(root);
  assert.deepEqual(cfg.base, {});
  assert.equal(cfg.warnings?.length, 1);
  assert.match(cfg.warnings![0], /\[tool\.prime\] is ignored because .*prime\.toml exists/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("loadConfig() keeps integers too large for JavaScript numbers as valid TOML", async () => {
  const root = await tree({ "pyproject.toml": "[tool.other]\nbig = 9223372036854775807\n" });
  assert.equal((await loadConfig(root)).pyproject?.hasBuildSystem, false);
  await Deno.remove(root, { recursive: true });
});

const BAD: Array<[string, Record<string, string>, RegExp]> = [
  ["a TOML syntax error in prime.toml", {
    "prime.toml": 'venv_driver = "venv_pip"\nrequirements = [\n',
  }, /prime\.toml:2:17: invalid TOML: `\[` is not closed/],
  [
    "a TOML syntax error in pyproject.toml",
    { "pyproject.toml": "[project\n" },
    /pyproject\.toml:1:9: invalid TOML: /,
  ],
  [
    "an unknown key in prime.toml",
    { "prime.toml": '[env.dev]\nrequirments = ["a"]\n' },
    /prime\.toml: \[env\.dev\] unknown key `requirments`; did you mean `requirements`\?/,
  ],
  [
    "an unknown key in [tool.prime]",
    { "pyproject.toml": "[tool.prime]\nvenv = 1\n" },
    /pyproject\.toml: \[tool\.prime\] unknown key `venv`/,
  ],
  [
    "[tool.prime] that is not a table",
    { "pyproject.toml": "[tool]\nprime = 1\n" },
    /\[tool\.prime\] expected a table, found a number/,
  ],
  [
    "[project] dependencies as a string",
    { "pyproject.toml": '[project]\ndependencies = "rich"\n' },
    /\[project\] `dependencies` must be an array of strings/,
  ],
  ["[project] requires-python as a number", {
    "pyproject.toml": "[project]\nrequires-python = 3\n",
  }, /`requires-python` must be a string/],
  [
    "[project] name as a number",
    { "pyproject.toml": "[project]\nname = 3\n" },
    /`name` must be a string/,
  ],
  [
    "a bad dependency group item",
    { "pyproject.toml": "[dependency-groups]\ndev = [1]\n" },
    /`dev` items must be requirement strings/,
  ],
  ["a dependency group that is not an array", {
    "pyproject.toml": '[dependency-groups]\ndev = "x"\n',
  }, /`dev` must be an array/],
  [
    "a build-system that is not a table",
    { "pyproject.toml": 'build-system = "x"\n' },
    /\[build-system\] must be a table/,
  ],
];
for (const [what, files, re] of BAD) {
  Deno.test(`loadConfig() rejects ${what} (exit 3)`, async () => {
    const root = await tree(files);
    await rejects(loadConfig(root), re);
    await Deno.remove(root, { recursive: true });
  });
}

Deno.test("loadConfig() reports a prime.toml that is a directory as a configuration error", async () => {
  const root = await tree({ "prime.toml/": "" });
  await rejects(loadConfig(root), /prime\.toml is not a file/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("readPyProject() reads extras, [tool.uv] default-groups, and adds dev-dependencies to dev", () => {
  const doc = {
    project: { name: "app", "optional-dependencies": { cli: ["click"] } },
    "dependency-groups": { Dev: ["pytest"], docs: ["sphinx"] },
    tool: { uv: { "default-groups": ["dev", "docs"], "dev-dependencies": ["ruff"] } },
  };
  const py = readPyProject(doc, "/r/pyproject.toml");
  assert.deepEqual(py.optionalDependencies, { cli: ["click"] });
  assert.deepEqual(py.uvDefaultGroups, ["dev", "docs"]);
  assert.deepEqual(py.dependencyGroups, { Dev: ["pytest", "ruff"], docs: ["sphinx"] });
  const all = readPyProject({ tool: { uv: { "default-groups": "all" } } }, "/r/pyproject.toml");
  assert.equal(all.uvDefaultGroups, "all");
  // uv's legacy dev-dependencies alone make a dev group.
  const legacy = readPyProject({ tool: { uv: { "dev-dependencies": ["pytest"] } } }, "/p");
  assert.deepEqual(legacy.dependencyGroups, { dev: ["pytest"] });
  assert.throws(
    () => readPyProject({ tool: { uv: { "default-groups": "some" } } }, "/r/pyproject.toml"),
    /\[tool\.uv\] `default-groups` must be a list of group names or "all", found a string/,
  );
});
