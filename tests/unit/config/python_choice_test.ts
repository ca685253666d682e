import assert from "node:assert/strict";
import {
  miseWords,
  readPythonChoices,
  toolVersionsWords,
} from "../../../src/config/python_choice.ts";

Deno.test("toolVersionsWords() reads asdf's python line", () => {
  assert.deepEqual(toolVersionsWords("nodejs 20.1.0\npython 3.11.7 3.12.1 # two\n"), [
    "3.11.7",
    "3.12.1",
  ]);
  assert.deepEqual(toolVersionsWords("python system\n"), ["system"]);
  assert.deepEqual(toolVersionsWords("python ref:v3.12.0 path:/opt/py\nnodejs 20\n"), []);
  assert.deepEqual(toolVersionsWords("ruby 3.3\n"), []);
});

Deno.test("miseWords() reads [tools] python as a string, a list or a table", () => {
  assert.deepEqual(miseWords({ tools: { python: "3.11" } }), ["3.11"]);
  assert.deepEqual(miseWords({ tools: { python: ["3.12", "3.11"] } }), ["3.12", "3.11"]);
  assert.deepEqual(miseWords({ tools: { python: { version: "3.10" } } }), ["3.10"]);
  assert.deepEqual(miseWords({ tools: { python: "latest" } }), [], "latest: no choice");
  assert.deepEqual(miseWords({ tools: { node: "20" } }), []);
});

Deno.test("readPythonChoices() lists the choices in the documented order", async () => {
  const dir = await Deno.makeTempDir();
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/.python-version`, "3.12\n");
  await Deno.writeTextFile(`${dir}/.tool-versions`, "python 3.11.7\n");
  await Deno.writeTextFile(`${dir}/mise.toml`, '[tools]\npython = "3.10"\n');
  await Deno.writeTextFile(`${root}/version`, "3.9.18\n");
  const choices = readPythonChoices(dir, {
    UV_PYTHON: "3.13",
    PYENV_VERSION: "3.8:3.7",
    PYENV_ROOT: root,
    HOME: "/nonexistent",
    PATH: "",
  });
  assert.deepEqual(choices.map((c) => [c.rule, c.value]), [
    ["UV_PYTHON", "3.13"],
    ["PYENV_VERSION", "3.8 3.7"],
    [`${dir}/.python-version`, "3.12"],
    [`${dir}/.tool-versions`, "3.11.7"],
    [`${dir}/mise.toml`, "3.10"],
    [`pyenv global ${root}/version`, "3.9.18"],
  ]);
  assert.deepEqual(choices[5].files, [`${root}/version`]);
  assert.ok(choices[3].files.includes(`${dir}/.tool-versions`));
});

Deno.test("readPythonChoices() keeps the order a file lists its versions in", async () => {
  const dir = await Deno.makeTempDir();
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/.tool-versions`, "python 3.10 3.12\n");
  await Deno.writeTextFile(`${root}/version`, "3.9.18\n3.8.18\n");
  const choices = readPythonChoices(dir, { PYENV_ROOT: root, HOME: "/nonexistent", PATH: "" });
  const tv = choices.find((c) => c.rule === `${dir}/.tool-versions`)!;
  assert.deepEqual(
    tv.order?.map((o) => "request" in o ? o.request.specifier : o.path),
    ["==3.10.*", "==3.12.*"],
  );
});
