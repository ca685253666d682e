import assert from "node:assert/strict";
import { ConfigError, EXIT } from "../../../src/core/errors.ts";
import { validateConfig, validateConfigKeys } from "../../../src/config/schema.ts";
import { editDistance, suggest } from "../../../src/config/suggest.ts";

const W = { file: "prime.toml", table: "" };
const ENV_W = { file: "prime.toml", table: "env.dev" };

Deno.test("validateConfigKeys() accepts every key with its expected type", () => {
  const raw = {
    required_python_version: ">=3.10,<3.13",
    python_selector_file_rel_path: "tools/select",
    venv_driver: "venv_pip",
    local_venv_dir_rel_path: ".venv",
    requirements: ["requirements.txt"],
    dependencies: ["requests>=2", "rich[jupyter]; python_version >= '3.8'"],
    project_dirs: ["."],
    dependency_groups: ["dev"],
    constraints_file: "constraints.txt",
    install_args: ["--index-url", "https://example.org/simple", ""],
    python_path: ["src"],
    vars: { APP_MODE: "dev", _X1: "" },
    vars_files: [".env"],
    default_env: "dev",
  };
  assert.deepEqual(validateConfigKeys(raw, W), raw);
});

const GOOD_VERSIONS = [
  "3.11",
  "3.11.7",
  ">=3.10,<3.13",
  "~=3.12",
  ">= 3.10, < 3.13",
  "3",
  "3.13t",
  "cpython@3.12",
];
for (const v of GOOD_VERSIONS) {
  Deno.test(`validateConfigKeys() accepts required_python_version ${JSON.stringify(v)}`, () => {
    assert.equal(validateConfigKeys({ required_python_version: v }, W).required_python_version, v);
  });
}

const BAD: Array<[string, unknown, { isEnv?: boolean } | undefined, RegExp]> = [
  [
    "an unknown key with a suggestion",
    { requirments: ["a"] },
    undefined,
    /prime\.toml: unknown key `requirments`; did you mean `requirements`\?/,
  ],
  [
    "an unknown key without a close match",
    { zzzzzzzzzz: 1 },
    undefined,
    /unknown key `zzzzzzzzzz`$/,
  ],
  [
    "a string key given a number",
    { venv_driver: 3 },
    undefined,
    /`venv_driver` must be a string, found a number/,
  ],
  [
    "a string key given an array",
    { required_python_version: ["3.11"] },
    undefined,
    /must be a string, found an array/,
  ],
  ["an empty string", { local_venv_dir_rel_path: "  " }, undefined, /must not be empty/],
  [
    "a list key given a string",
    { requirements: "requirements.txt" },
    undefined,
    /`requirements` must be an array of strings, found a string/,
  ],
  [
    "a list with a non-string item",
    { dependencies: ["a", 2] },
    undefined,
    /`dependencies` item 2 must be a string, found a number/,
  ],
  [
    "a list with an empty path",
    { python_path: [""] },
    undefined,
    /`python_path` item 1 must not be empty/,
  ],
  [
    "vars given an array",
    { vars: ["A=1"] },
    undefined,
    /`vars` must be a table of strings, found an array/,
  ],
  [
    "vars with a number value",
    { vars: { PORT: 8080 } },
    undefined,
    /`vars\.PORT` must be a string, found a number/,
  ],
  ["vars with a bad name", { vars: { "1BAD": "x" } }, undefined, /invalid variable name `1BAD`/],
  ["vars with a boolean", { vars: { ON: true } }, undefined, /found a boolean/],
  [
    "an unknown driver",
    { venv_driver: "venv_up" },
    undefined,
    /must be venv_uv or venv_pip, found `venv_up`; did you mean `venv_uv`\?/,
  ],
  [
    "a bad version",
    { required_python_version: "three" },
    undefined,
    /prime\.toml: `required_python_version`: `three` is not a Python version or PEP 440 specifier/,
  ],
  [
    "a bad specifier",
    { required_python_version: ">=3.10,," },
    undefined,
    /is not a Python version/,
  ],
  [
    "a bad range without comma",
    { required_python_version: ">=3.10 <3.13" },
    undefined,
    /is not a Python version/,
  ],
  [
    "a bad dependency",
    { dependencies: ["requests >= = 2"] },
    undefined,
    /`dependencies` item `requests >= = 2` is not a valid PEP 508 requirement/,
  ],
  [
    "a bad group name",
    { dependency_groups: ["-dev"] },
    undefined,
    /`dependency_groups` item `-dev` is not a valid group name/,
  ],
  [
    "default_env inside an env",
    { default_env: "x" },
    { isEnv: true },
    /prime\.toml: \[env\.dev\] `default_env` is only allowed at the top level/,
  ],
  ["env inside an env", { env: {} }, { isEnv: true }, /cannot hold `env`/],
  ["a non-table", [1, 2], undefined, /expected a table, found an array/],
  ["a bad default_env name", { default_env: "a b" }, undefined, /not a valid env name/],
];
for (const [what, raw, opts, re] of BAD) {
  Deno.test(`validateConfigKeys() rejects ${what} with a ConfigError (exit 3)`, () => {
    const where = opts?.isEnv ? ENV_W : W;
    assert.throws(() => validateConfigKeys(raw, where, opts), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.exitCode, EXIT.CONFIG);
      assert.match(e.message, re);
      return true;
    });
  });
}

Deno.test("validateConfigKeys() names the env table in the message, as in the README example", () => {
  assert.throws(
    () => validateConfigKeys({ requirments: [] }, ENV_W, { isEnv: true }),
    {
      name: "ConfigError",
      message: "prime.toml: [env.dev] unknown key `requirments`; did you mean `requirements`?",
    },
  );
});

Deno.test("validateConfig() splits env tables from the base keys", () => {
  const out = validateConfig(
    {
      default_env: "dev",
      requirements: ["a.txt"],
      env: { dev: { requirements: ["b.txt"] }, "ci.x-1": {} },
    },
    W,
  );
  assert.deepEqual(out.base, { default_env: "dev", requirements: ["a.txt"] });
  assert.deepEqual(out.envs, { dev: { requirements: ["b.txt"] }, "ci.x-1": {} });
});

Deno.test("validateConfig() labels [tool.prime.env.NAME] tables of pyproject.toml", () => {
  assert.throws(
    () =>
      validateConfig({ env: { dev: { venv_drvier: "venv_uv" } } }, {
        file: "pyproject.toml",
        table: "tool.prime",
      }),
    {
      message:
        "pyproject.toml: [tool.prime.env.dev] unknown key `venv_drvier`; did you mean `venv_driver`?",
    },
  );
});

const BAD_CONFIGS: Array<[string, unknown, RegExp]> = [
  [
    "env that is not a table",
    { env: "dev" },
    /\[env\] expected a table of env tables, found a string/,
  ],
  [
    "an env that is not a table",
    { env: { dev: 1 } },
    /\[env\.dev\] expected a table, found a number/,
  ],
  ["an env with a bad name", { env: { "a b": {} } }, /`a b` is not a valid env name/],
  [
    "default_env naming an undefined env",
    { default_env: "prod", env: { dev: {} } },
    /`default_env` names `prod`, which has no \[env\.prod\] table/,
  ],
  ["default_env without envs", { default_env: "dev" }, /which has no \[env\.dev\] table/],
  ["a top level that is not a table", "x", /expected a table/],
];
for (const [what, raw, re] of BAD_CONFIGS) {
  Deno.test(`validateConfig() rejects ${what}`, () => {
    assert.throws(
      () => validateConfig(raw, W),
      (e: unknown) => e instanceof ConfigError && re.test(e.message),
    );
  });
}

Deno.test("validateConfig() keeps an env named __proto__ as data, not as a prototype", () => {
  const raw = JSON.parse(
    '{"env": {"__proto__": {"venv_driver": "venv_pip"}}, "vars": {"__proto__": "x"}}',
  );
  const out = validateConfig(raw, W);
  assert.deepEqual(Object.keys(out.envs), ["__proto__"]);
  assert.equal(Object.getPrototypeOf(out.envs), Object.prototype);
  assert.equal(out.base.vars?.["__proto__"], "x");
});

const DISTANCES: Array<[string, string, number]> = [
  ["", "", 0],
  ["abc", "abc", 0],
  ["requirments", "requirements", 1],
  ["venv_drvier", "venv_driver", 1],
  ["kitten", "sitting", 3],
];
for (const [a, b, d] of DISTANCES) {
  Deno.test(`editDistance() of ${JSON.stringify(a)} and ${JSON.stringify(b)} is ${d}`, () => {
    assert.equal(editDistance(a, b), d);
  });
}

Deno.test("suggest() names the one candidate a word is the last (or first) part of: driver, uv, pip", () => {
  const keys = ["venv_driver", "vars", "required_python_version", "python_path"];
  assert.equal(suggest("driver", keys), "venv_driver");
  assert.equal(suggest("uv", ["venv_uv", "venv_pip"]), "venv_uv");
  assert.equal(suggest("pip", ["venv_uv", "venv_pip"]), "venv_pip");
  // Two candidates end in `_python...`/start with `python_`: no guess.
  assert.equal(suggest("python", ["python_path", "python_selector_file_rel_path"]), null);
  assert.equal(suggest("v", ["venv_v"]), null, "one letter is too little to go on");
});

Deno.test("validateConfigKeys() hints at the key a short name means, and at pyproject.toml for [tool.prime] in prime.toml", () => {
  const err = (raw: unknown) => {
    try {
      validateConfigKeys(raw, W);
    } catch (e) {
      if (e instanceof ConfigError) return e;
    }
    throw new Error("no ConfigError");
  };
  assert.match(err({ driver: "uv" }).message, /unknown key `driver`; did you mean `venv_driver`\?/);
  assert.match(
    err({ venv_driver: "uv" }).message,
    /`venv_driver` must be venv_uv or venv_pip, found `uv`; did you mean `venv_uv`\?/,
  );
  const tool = err({ tool: { prime: { venv_driver: "venv_pip" } } });
  assert.match(tool.message, /unknown key `tool`/);
  assert.match(
    tool.hint ?? "",
    /\[tool\.prime\] belongs in pyproject\.toml; in prime\.toml the keys go at the top level/,
  );
});

Deno.test("suggest() matches dashes to underscores and refuses far-off words", () => {
  assert.equal(suggest("venv-driver", ["venv_driver", "vars"]), "venv_driver");
  assert.equal(suggest("xyz", ["venv_driver", "vars"]), null);
});
