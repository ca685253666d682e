import assert from "node:assert/strict";
import { resolveDependencyGroups } from "../../../src/config/dependency_groups.ts";
import { ConfigError, EXIT } from "../../../src/core/errors.ts";
import { loadConfig } from "../../../src/config/load.ts";
import {
  defaultSettings,
  pickEnv,
  readPythonVersionRequirement,
  resolveSettings,
  scriptSettings,
} from "../../../src/config/settings.ts";
import type { LoadedConfig } from "../../../src/config/types.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "prime-set-" }));
  for (const [rel, text] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (!rel.endsWith("/")) await Deno.writeTextFile(path, text);
  }
  return root;
}

function loaded(over: Partial<LoadedConfig> = {}): LoadedConfig {
  return {
    refRoot: "/r",
    configFiles: ["/r/prime.toml"],
    base: {},
    envs: {},
    pyproject: null,
    read: [],
    ...over,
  };
}

function isConfigError(re: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.exitCode, EXIT.CONFIG);
    assert.match(e.message, re);
    return true;
  };
}

const PICKS: Array<[string, Parameters<typeof pickEnv>[1], string | null, string | null]> = [
  ["--env first", { flag: "dev", envVar: "prod", useChoice: "ci" }, "dev", "--env"],
  ["PRIME_ENV second", { envVar: "prod", useChoice: "ci" }, "prod", "PRIME_ENV"],
  ["an empty PRIME_ENV as unset", { envVar: "", useChoice: "ci" }, "ci", "prime use"],
  ["the `prime use` choice third", { useChoice: "ci\n" }, "ci", "prime use"],
  ["default_env last", {}, "dev", "default_env"],
];
for (const [what, opts, env, source] of PICKS) {
  Deno.test(`pickEnv() takes ${what}`, () => {
    const cfg = loaded({ base: { default_env: "dev" }, envs: { dev: {}, prod: {}, ci: {} } });
    assert.deepEqual(pickEnv(cfg, opts), { env, source });
  });
}

Deno.test("pickEnv() picks no env when nothing asks for one", () => {
  assert.deepEqual(pickEnv(loaded(), {}), { env: null, source: null });
});

const BAD_PICKS: Array<[string, Parameters<typeof pickEnv>[1], RegExp]> = [
  [
    "an unknown --env, listing the defined ones",
    { flag: "prd" },
    /^unknown env `prd` \(from --env\): \/r\/prime\.toml defines dev, prod; did you mean `prod`\?$/,
  ],
  ["an unknown PRIME_ENV", { envVar: "qa" }, /unknown env `qa` \(from PRIME_ENV\)/],
  ["a stale `prime use` choice", { useChoice: "old" }, /unknown env `old` \(from prime use\)/],
  ["an empty --env", { flag: "" }, /unknown env `` \(from --env\)/],
  ["an env name with a slash", { flag: "../x" }, /unknown env `\.\.\/x`/],
  ["__proto__", { flag: "__proto__" }, /unknown env `__proto__`/],
];
for (const [what, opts, re] of BAD_PICKS) {
  Deno.test(`pickEnv() rejects ${what} (exit 3)`, () => {
    assert.throws(() => pickEnv(loaded({ envs: { dev: {}, prod: {} } }), opts), isConfigError(re));
  });
}

Deno.test("pickEnv() says when no envs are defined at all", () => {
  assert.throws(() => pickEnv(loaded(), { flag: "dev" }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /defines no envs/);
    assert.match(e.hint ?? "", /add an \[env\.dev\] table/);
    return true;
  });
});

Deno.test("resolveSettings() of an empty repo applies the defaults and records what was absent", async () => {
  const root = await tree({ "prime.toml": "" });
  const cfg = await loadConfig(root);
  const s = await resolveSettings(cfg, pickEnv(cfg, {}));
  assert.equal(s.venvDir, `${root}/.venv`);
  assert.deepEqual([s.requirements, s.dependencies, s.projectDirs, s.groupRequirements], [
    [],
    [],
    [],
    [],
  ]);
  assert.equal(s.constraintsFile, null);
  assert.equal(s.constraintsTarget, `${root}/constraints.txt`);
  assert.deepEqual(s.required, { requests: [], value: null, source: "none" });
  assert.equal(s.driver, null);
  // Looked for and not found: each is an input whose appearing counts.
  const seen = s.recorder.list();
  for (const f of [`${root}/requirements.txt`, `${root}/constraints.txt`]) {
    assert.ok(seen.includes(f), f);
  }
  assert.ok(seen.includes(`${root}/.python-version`));
  assert.ok(seen.includes("/.python-version"));
  await Deno.remove(root, { recursive: true });
});

Deno.test("resolveSettings() finds default files and a .python-version above the ref root", async () => {
  const top = await tree({
    ".python-version": "# pin\n3.12\nsystem\n",
    "repo/pyproject.toml":
      '[project]\nrequires-python = ">=3.9"\ndependencies = ["rich", "attrs"]\n',
    "repo/requirements.txt": "",
    "repo/constraints.txt": "",
  });
  const root = `${top}/repo`;
  const cfg = await loadConfig(root);
  const s = await resolveSettings(cfg, pickEnv(cfg, {}));
  assert.deepEqual(s.requirements, [`${root}/requirements.txt`]);
  assert.equal(s.constraintsFile, `${root}/constraints.txt`);
  assert.equal(s.pythonVersionFile, `${top}/.python-version`);
  assert.deepEqual(s.required.requests.map((r) => r.specifier), ["==3.12.*"]);
  assert.equal(s.required.source, `${top}/.python-version`);
  // Everything looked at, as it was read: the loader's two files, the .python-version
  // trail, and each default file, present or not.
  assert.deepEqual(s.recorder.list(), [
    `${top}/.python-version`,
    `${root}/.python-version`,
    `${root}/constraints.txt`,
    `${root}/prime.toml`,
    `${root}/pyproject.toml`,
    `${root}/requirements.txt`,
    `${root}/setup.cfg`,
    `${root}/setup.py`,
  ]);
  assert.deepEqual(s.dependencies, ["rich", "attrs"]);
  assert.deepEqual(s.projectDirs, []);
  // pyenv's `system` is the user's choice of the Python on PATH: no warning.
  assert.deepEqual(s.warnings, []);
  await Deno.remove(top, { recursive: true });
});

Deno.test("resolveSettings() falls back to requires-python, and installs a [build-system] project", async () => {
  const root = await tree({
    "pyproject.toml":
      '[project]\nrequires-python = ">=3.9"\ndependencies = ["rich"]\n[build-system]\nrequires = []\n',
  });
  const cfg = await loadConfig(root);
  const s = await resolveSettings(cfg, pickEnv(cfg, {}));
  // Only valid when no .python-version sits above the temp dir.
  if (s.pythonVersionFile === null) {
    assert.equal(s.required.source, "[project].requires-python");
    assert.equal(s.required.value, ">=3.9");
  }
  assert.deepEqual(s.projectDirs, [root]);
  assert.deepEqual(s.dependencies, []);
  await Deno.remove(root, { recursive: true });
});

Deno.test("resolveSettings() applies [env.NAME] overrides over the base keys", async () => {
  const root = await tree({
    "prime.toml": [
      'required_python_version = "3.11"',
      'requirements = ["base.txt"]',
      'dependencies = ["a"]',
      'venv_driver = "venv_uv"',
      'vars = { A = "1" }',
      "[env.dev]",
      'requirements = ["dev.txt"]',
      'required_python_version = ">=3.12"',
      "[env.bare]",
    ].join("\n"),
    "base.txt": "",
    "dev.txt": "",
    "requirements.txt": "",
  });
  const cfg = await loadConfig(root);
  const dev = await resolveSettings(cfg, pickEnv(cfg, { flag: "dev" }));
  assert.equal(dev.venvDir, `${root}/.venv-dev`);
  assert.deepEqual(dev.requirements, [`${root}/dev.txt`]);
  assert.deepEqual(dev.dependencies, ["a"]);
  assert.deepEqual(dev.required.requests.map((r) => r.specifier), [">=3.12"]);
  assert.equal(dev.required.source, "prime.toml [env.dev]");
  assert.equal(dev.driver, "venv_uv");
  assert.equal(dev.driverSource, "config");
  assert.equal(dev.envSource, "--env");
  const bare = await resolveSettings(cfg, pickEnv(cfg, { flag: "bare" }));
  assert.deepEqual(bare.requirements, [`${root}/base.txt`]);
  assert.equal(bare.required.source, "prime.toml");
  assert.deepEqual(bare.vars, { A: "1" });
  const piped = await resolveSettings(cfg, pickEnv(cfg, {}), { driverOverride: "venv_pip" });
  assert.deepEqual([piped.driver, piped.driverSource], ["venv_pip", "PRIME_VENV_DRIVER"]);
  await Deno.remove(root, { recursive: true });
});

Deno.test("resolveSettings() resolves dependency groups through include-group", async () => {
  const root = await tree({
    "prime.toml": 'dependency_groups = ["Test"]\n',
    "pyproject.toml":
      '[dependency-groups]\ntest = ["pytest", {include-group = "lint"}, "ruff"]\nlint = ["ruff", "mypy"]\n',
  });
  const cfg = await loadConfig(root);
  const s = await resolveSettings(cfg, pickEnv(cfg, {}));
  assert.deepEqual(s.dependencyGroups, ["test"]);
  assert.deepEqual(s.groupRequirements, ["pytest", "ruff", "mypy"]);
  await Deno.remove(root, { recursive: true });
});

const GROUP_ERRORS: Array<
  [string, Record<string, Array<string | { "include-group": string }>>, string[], RegExp]
> = [
  ["an unknown group", { dev: [] }, ["tests"], /dependency group `tests` is not defined/],
  [
    "an unknown included group",
    { dev: [{ "include-group": "lnt" }], lint: [] },
    ["dev"],
    /`lnt` \(included by `dev`\) is not defined; did you mean `lint`\?/,
  ],
  [
    "a cycle",
    { a: [{ "include-group": "b" }], b: [{ "include-group": "a" }] },
    ["a"],
    /include cycle: a -> b -> a/,
  ],
  ["a self-include", { a: [{ "include-group": "a" }] }, ["a"], /include cycle: a -> a/],
];
for (const [what, groups, names, re] of GROUP_ERRORS) {
  Deno.test(`resolveDependencyGroups() rejects ${what}`, () => {
    assert.throws(
      () => resolveDependencyGroups(groups, names, "pyproject.toml"),
      isConfigError(re),
    );
  });
}

const BAD: Array<[string, Record<string, string>, Parameters<typeof pickEnv>[1], RegExp, string?]> =
  [
    [
      "a requirements file that escapes the ref root",
      { "prime.toml": 'requirements = ["../x.txt"]' },
      {},
      /prime\.toml requirements: `\.\.\/x\.txt` is outside the ref root/,
    ],
    [
      "an absolute path outside the ref root",
      { "prime.toml": 'python_path = ["/etc"]' },
      {},
      /python_path: `\/etc` is outside the ref root/,
    ],
    [
      "a venv dir that escapes",
      { "prime.toml": 'local_venv_dir_rel_path = "a/../../v"' },
      {},
      /is outside the ref root/,
    ],
    [
      "a venv dir that is the ref root",
      { "prime.toml": 'local_venv_dir_rel_path = "."' },
      {},
      /is the ref root itself/,
    ],
    [
      "a missing requirements file",
      { "prime.toml": 'requirements = ["req/dev.txt"]' },
      {},
      /requirements: the file `req\/dev\.txt` does not exist/,
    ],
    [
      "a missing requirements file in an env",
      { "prime.toml": '[env.ci]\nrequirements = ["ci.txt"]' },
      { flag: "ci" },
      /prime\.toml \[env\.ci\] requirements: the file `ci\.txt` does not exist/,
    ],
    [
      "a vars file that is a directory",
      { "prime.toml": 'vars_files = [".env"]', ".env/x": "" },
      {},
      /vars_files: `\.env` is not a file/,
    ],
    [
      "a missing project dir",
      { "prime.toml": 'project_dirs = ["lib"]' },
      {},
      /project_dirs: the directory `lib` does not exist/,
    ],
    [
      "a project dir that is a file",
      { "prime.toml": 'project_dirs = ["lib"]', lib: "" },
      {},
      /project_dirs: `lib` is not a directory/,
    ],
    [
      "a requirements entry that is a directory",
      { "prime.toml": 'requirements = ["r"]', "r/": "" },
      {},
      /requirements: `r` is not a file/,
    ],
    [
      "a constraints file that is a directory",
      { "prime.toml": 'constraints_file = "c"', "c/": "" },
      {},
      /constraints_file: `c` is not a file/,
    ],
    [
      "dependency groups without a pyproject",
      { "prime.toml": 'dependency_groups = ["dev"]' },
      {},
      /groups need \[dependency-groups\]/,
    ],
    [
      "a bad PRIME_VENV_DRIVER",
      { "prime.toml": "" },
      {},
      /^PRIME_VENV_DRIVER: unknown driver `uv_venv`/,
      "uv_venv",
    ],
    [
      "a bad requires-python in pyproject",
      { "pyproject.toml": '[project]\nrequires-python = "three"' },
      {},
      /\[project\] requires-python: `three` is not a Python version/,
    ],
  ];
for (const [what, files, opts, re, driver] of BAD) {
  Deno.test(`resolveSettings() rejects ${what} (exit 3)`, async () => {
    const root = await tree(files);
    const cfg = await loadConfig(root);
    await assert.rejects(
      resolveSettings(cfg, pickEnv(cfg, opts), { driverOverride: driver }),
      isConfigError(re),
    );
    await Deno.remove(root, { recursive: true });
  });
}

Deno.test("resolveSettings() refuses a requirements file that is a symlink leading outside", async () => {
  const outside = await tree({ "secret.txt": "" });
  const root = await tree({ "prime.toml": 'requirements = ["req.txt"]' });
  await Deno.symlink(`${outside}/secret.txt`, `${root}/req.txt`);
  const cfg = await loadConfig(root);
  await assert.rejects(
    resolveSettings(cfg, pickEnv(cfg, {})),
    isConfigError(/is a symlink that leads outside the ref root/),
  );
  await Deno.remove(root, { recursive: true });
  await Deno.remove(outside, { recursive: true });
});

Deno.test("resolveSettings() lets a configured but missing constraints file wait for `prime lock`", async () => {
  const root = await tree({ "prime.toml": 'constraints_file = "locks/c.txt"' });
  const cfg = await loadConfig(root);
  const s = await resolveSettings(cfg, pickEnv(cfg, {}));
  assert.equal(s.constraintsFile, null);
  assert.equal(s.constraintsTarget, `${root}/locks/c.txt`);
  assert.ok(s.recorder.list().includes(`${root}/locks/c.txt`));
  await Deno.remove(root, { recursive: true });
});

Deno.test("resolveSettings() falls through a .python-version with no usable line, with a warning", async () => {
  const root = await tree({ "prime.toml": "", ".python-version": "myenv\n" });
  const cfg = await loadConfig(root);
  const s = await resolveSettings(cfg, pickEnv(cfg, {}));
  assert.equal(s.pythonVersionFile, `${root}/.python-version`);
  assert.equal(s.required.source, "none");
  assert.equal(s.warnings?.length, 2);
  assert.match(s.warnings![1], /no usable version/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("resolveSettings() takes a .python-version of `system` as no requirement, silently", async () => {
  const root = await tree({ "prime.toml": "", ".python-version": "system\n" });
  const cfg = await loadConfig(root);
  const s = await resolveSettings(cfg, pickEnv(cfg, {}));
  assert.equal(s.pythonVersionFile, `${root}/.python-version`);
  assert.equal(s.required.source, "none");
  assert.deepEqual(s.warnings, []);
  await Deno.remove(root, { recursive: true });
});

Deno.test("resolveSettings() installs a setup.py or setup.cfg root editable, as pip would", async () => {
  for (const f of ["setup.py", "setup.cfg"]) {
    const root = await tree({ "pyproject.toml": "[tool.black]\nline-length = 99\n", [f]: "" });
    const cfg = await loadConfig(root);
    const s = await resolveSettings(cfg, pickEnv(cfg, {}));
    assert.deepEqual(s.projectDirs, [root], f);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("resolveSettings() reads extras in project_dirs and rejects malformed ones", async () => {
  const root = await tree({
    "prime.toml": 'project_dirs = [".[cli]", "pkgs/api[server, dev]", "pkgs/plain"]\n',
    "pkgs/api/": "",
    "pkgs/plain/": "",
  });
  const cfg = await loadConfig(root);
  const s = await resolveSettings(cfg, pickEnv(cfg, {}));
  assert.deepEqual(s.projectDirs, [root, `${root}/pkgs/api`, `${root}/pkgs/plain`]);
  assert.deepEqual(s.projectExtras, { [root]: "[cli]", [`${root}/pkgs/api`]: "[server,dev]" });
  await Deno.writeTextFile(`${root}/prime.toml`, 'project_dirs = [".[cli"]\n');
  const bad = await loadConfig(root);
  await assert.rejects(
    () => resolveSettings(bad, pickEnv(bad, {})),
    isConfigError(/does not exist|malformed/),
  );
  await Deno.writeTextFile(`${root}/prime.toml`, 'project_dirs = [".[c li]"]\n');
  const bad2 = await loadConfig(root);
  await assert.rejects(
    () => resolveSettings(bad2, pickEnv(bad2, {})),
    isConfigError(/malformed extras \[c li\]/),
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("scriptSettings() starts from the defaults and takes the block's keys", () => {
  const block = {
    raw: "",
    requiresPython: null,
    dependencies: ["rich"],
    tool: {
      install_args: ["--no-index"],
      venv_driver: "venv_pip" as const,
      isolation: "strict" as const,
    },
    line: 1,
  };
  const required = { requests: [], value: null, source: "none" };
  const s = scriptSettings({
    script: "t.py",
    scriptDir: "/",
    block,
    required,
    pythonVersionFile: null,
    read: ["/.python-version"],
    uvInstallArgs: ["--index-url", "https://x"],
  });
  assert.deepEqual(s.recorder.list(), ["/.python-version"]);
  assert.deepEqual({ ...s, recorder: null }, {
    ...defaultSettings("/", ""),
    required,
    driver: "venv_pip",
    driverSource: "PEP 723 block",
    dependencies: ["rich"],
    installArgs: ["--index-url", "https://x", "--no-index"],
    isolation: "strict",
    recorder: null,
  });
  const overridden = scriptSettings({
    script: "t.py",
    scriptDir: "/",
    block,
    required,
    pythonVersionFile: null,
    read: [],
    uvInstallArgs: [],
    driverOverride: "venv_uv",
  });
  assert.deepEqual([overridden.driver, overridden.driverSource], ["venv_uv", "PRIME_VENV_DRIVER"]);
});

Deno.test("scriptSettings() shares the repo's validators: PRIME_VENV_DRIVER, and python_path through symlinks", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(`${dir}/lib`);
    await Deno.symlink("/etc", `${dir}/out`);
    const base = {
      script: "t.py",
      scriptDir: dir,
      required: { requests: [], value: null, source: "none" },
      pythonVersionFile: null,
      read: [],
      uvInstallArgs: [],
    };
    const block = (python_path: string[]) => ({
      raw: "",
      requiresPython: null,
      dependencies: [],
      tool: { python_path },
      line: 1,
    });
    assert.deepEqual(scriptSettings({ ...base, block: block(["lib"]) }).pythonPath, [`${dir}/lib`]);
    for (const p of ["../x", "out"]) {
      assert.throws(
        () => scriptSettings({ ...base, block: block([p]) }),
        (e) => e instanceof ConfigError && /script's directory/.test(e.message),
        p,
      );
    }
    assert.throws(
      () => scriptSettings({ ...base, block: block([]), driverOverride: "conda" }),
      (e) =>
        e instanceof ConfigError && /PRIME_VENV_DRIVER: unknown driver `conda`/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readPythonVersionRequirement: lines are alternatives, bad lines warn, none usable is null", async () => {
  const root = await tree({
    "a/.python-version": "3.12\nnot-a-version\n3.11\n",
    "b/.python-version": "# only\n",
  });
  const warnings: string[] = [];
  const req = readPythonVersionRequirement(`${root}/a/.python-version`, warnings);
  assert.equal(req?.value, "3.12 | 3.11");
  assert.equal(req?.source, `${root}/a/.python-version`);
  assert.equal(req?.requests.length, 2);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /\.python-version:2/);
  assert.equal(readPythonVersionRequirement(`${root}/b/.python-version`, []), null);
});

Deno.test("readPythonVersionRequirement: an oversized or unreadable file is a config error (exit 3)", async () => {
  const root = await tree({ ".python-version": "3".repeat(1024 * 1024 + 1) });
  await Deno.mkdir(`${root}/d/.python-version`, { recursive: true });
  for (const file of [`${root}/.python-version`, `${root}/d/.python-version`, `${root}/none`]) {
    assert.throws(
      () => readPythonVersionRequirement(file, []),
      (e) => e instanceof ConfigError && e.exitCode === EXIT.CONFIG && e.message.includes(file),
    );
  }
});

Deno.test("resolveSettings(): `prime lock` writes the configured constraints_file, else the env's own file", async () => {
  const cases: Array<[Record<string, string>, string | null, string, string | null]> = [
    // files, env, where lock writes, the constraints file in use
    [{ "prime.toml": "[env.dev]\n" }, null, "constraints.txt", null],
    [{ "prime.toml": "[env.dev]\n" }, "dev", "constraints-dev.txt", null],
    // env dev installs under the shared pins until it has its own, but never overwrites them
    [
      { "prime.toml": "[env.dev]\n", "constraints.txt": "" },
      "dev",
      "constraints-dev.txt",
      "constraints.txt",
    ],
    [{ "prime.toml": 'constraints_file = "pins.txt"\n[env.dev]\n' }, "dev", "pins.txt", null],
    [
      { "prime.toml": '[env.dev]\nconstraints_file = "dev-pins.txt"\n' },
      "dev",
      "dev-pins.txt",
      null,
    ],
  ];
  for (const [files, env, target, inUse] of cases) {
    const root = await tree(files);
    const cfg = await loadConfig(root);
    const s = await resolveSettings(cfg, pickEnv(cfg, env === null ? {} : { flag: env }));
    assert.equal(s.constraintsTarget, `${root}/${target}`, `${JSON.stringify(files)} ${env}`);
    assert.equal(s.constraintsFile, inUse === null ? null : `${root}/${inUse}`);
    await Deno.remove(root, { recursive: true });
  }
});
