import assert from "node:assert/strict";
import { type InitFacts, renderStarterConfig } from "../../../src/commands/init.ts";
import { parseToml } from "../../../src/config/toml.ts";
import { CONFIG_KEYS, validateConfig } from "../../../src/config/schema.ts";

const NONE: InitFacts = {
  pythonVersion: null,
  pyproject: null,
  requirementsTxt: false,
  devRequirements: [],
};
const PY = {
  path: "/r/pyproject.toml",
  requiresPython: ">=3.10",
  dependencies: ["requests"],
  hasBuildSystem: true,
  dependencyGroups: { test: ["pytest"] },
};

function load(text: string) {
  return validateConfig(parseToml(text, "prime.toml"), { file: "prime.toml", table: "" });
}

Deno.test("renderStarterConfig() mentions every configuration key, commented, and is valid configuration", () => {
  const text = renderStarterConfig(NONE);
  for (const key of CONFIG_KEYS) {
    assert.match(text, new RegExp(`^# ${key} = `, "m"), `${key} is shown commented`);
  }
  assert.match(text, /^# \[env\.dev\]$/m);
  assert.deepEqual(load(text), { base: {}, envs: {} });
});

Deno.test("renderStarterConfig() defers to .python-version and lists requirements.txt", () => {
  const text = renderStarterConfig({
    ...NONE,
    pythonVersion: { file: ".python-version", first: "3.12" },
    requirementsTxt: true,
    devRequirements: ["requirements-dev.txt"],
  });
  assert.match(text, /read from \.python-version \(3\.12\)/);
  assert.match(text, /^# required_python_version = "3\.12"$/m);
  assert.match(text, /^# requirements = \["requirements.txt", "requirements-dev.txt"\]$/m);
  assert.deepEqual(load(text).base, { requirements: ["requirements.txt"] });
});

Deno.test("renderStarterConfig() explains the pyproject defaults it found", () => {
  const withBuild = renderStarterConfig({ ...NONE, pyproject: PY });
  assert.match(withBuild, /requires-python in pyproject.toml \(>=3\.10\)/);
  assert.match(withBuild, /has \[build-system\], so this directory is installed/);
  assert.match(withBuild, /pyproject.toml defines: test\./);
  const noBuild = renderStarterConfig({ ...NONE, pyproject: { ...PY, hasBuildSystem: false } });
  assert.match(noBuild, /no \[build-system\], so its \[project\]\.dependencies are installed/);
  assert.deepEqual(load(noBuild), { base: {}, envs: {} });
});
