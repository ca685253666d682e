import assert from "node:assert/strict";
import { createUvDriver, uvFindOrInstallPython } from "../../src/installers/uv.ts";
import type { BuildContext } from "../../src/installers/driver.ts";
import type { InstallPlan } from "../../src/deps/plan.ts";
import { run } from "../../src/process.ts";
import { EXIT, InstallError, PythonNotFoundError, VenvError } from "../../src/core/errors.ts";
import { makeZip } from "../helpers/zip.ts";
import { modernPython, realUv } from "../helpers/uv.ts";
import { pyenvPythons } from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";
import { EMPTY_PLAN } from "../helpers/fake_runner.ts";

const uv = await realUv();
const python = await modernPython();
const ready = uv.ok && python.ok;
const skip = requires(uv, python).why;

function b64urlSha256(data: Uint8Array): Promise<string> {
  return crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>).then((d) =>
    btoa(String.fromCharCode(...new Uint8Array(d))).replace(/\+/g, "-").replace(/\//g, "_")
      .replace(/=+$/, "")
  );
}

/** Writes a pure-Python wheel `demo_pkg-<version>` (built by hand: no build backend, no network). */
async function writeDemoWheel(dir: string, version: string, value: number): Promise<string> {
  const enc = new TextEncoder();
  const info = `demo_pkg-${version}.dist-info`;
  const files: Array<[string, string]> = [
    ["demo_pkg/__init__.py", `VALUE = ${value}\n`],
    [`${info}/METADATA`, `Metadata-Version: 2.1\nName: demo-pkg\nVersion: ${version}\n`],
    [
      `${info}/WHEEL`,
      "Wheel-Version: 1.0\nGenerator: prime-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    ],
  ];
  const record: string[] = [];
  for (const [name, text] of files) {
    const bytes = enc.encode(text);
    record.push(`${name},sha256=${await b64urlSha256(bytes)},${bytes.length}`);
  }
  record.push(`${info}/RECORD,,`);
  files.push([`${info}/RECORD`, record.join("\n") + "\n"]);
  const path = `${dir}/demo_pkg-${version}-py3-none-any.whl`;
  Deno.writeFileSync(path, makeZip(files.map(([name, data]) => ({ name, data, deflate: true }))));
  return path;
}

function context(root: string, plan: Partial<InstallPlan> = {}): BuildContext {
  assert.ok(python.ok);
  return {
    venvDir: `${root}/.venv`,
    cwd: root,
    python: python.value,
    plan: { ...EMPTY_PLAN, ...plan },
    runner: run,
    cacheDir: `${root}/cache`,
    offline: false,
    echo: false,
  };
}

Deno.test({
  name: `the uv driver builds a venv that pyvenv.cfg marks as uv's, on the chosen Python${skip}`,
  ignore: !ready,
  async fn() {
    assert.ok(uv.ok && python.ok);
    const root = await Deno.makeTempDir();
    try {
      const ctx = context(root);
      const driver = createUvDriver(uv.value);
      await driver.create(ctx);
      const cfg = Deno.readTextFileSync(`${ctx.venvDir}/pyvenv.cfg`);
      assert.match(cfg, new RegExp(`^uv = ${uv.value.version.replace(/\./g, "\\.")}$`, "m"));
      assert.match(
        cfg,
        new RegExp(`^version_info = ${python.value.version.replace(/\./g, "\\.")}`, "m"),
      );
      const r = await run(`${ctx.venvDir}/bin/python`, [
        "-I",
        "-c",
        "import sys;print(sys.prefix != sys.base_prefix)",
      ]);
      assert.equal(r.stdout.trim(), "True");
      // Creating again over the existing venv is not an error (like `python -m venv`).
      await driver.create(ctx);
      assert.equal(driver.toolVersion, `uv ${uv.value.version}`);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: `the uv driver installs requirements under constraints from local wheels only${skip}`,
  ignore: !ready,
  async fn() {
    assert.ok(uv.ok);
    const root = await Deno.makeTempDir();
    try {
      Deno.mkdirSync(`${root}/wheels`);
      await writeDemoWheel(`${root}/wheels`, "0.1.0", 41);
      await writeDemoWheel(`${root}/wheels`, "0.2.0", 42);
      Deno.writeTextFileSync(`${root}/requirements.txt`, "demo-pkg\n");
      Deno.writeTextFileSync(`${root}/constraints.txt`, "demo-pkg==0.1.0\n");
      const ctx = context(root, {
        constraints: `${root}/constraints.txt`,
        requirements: [`${root}/requirements.txt`],
        // Relative on purpose: the installer runs from the ref root (ctx.cwd).
        installArgs: ["--no-index", "--find-links", "wheels"],
      });
      const driver = createUvDriver(uv.value);
      await driver.create(ctx);
      await driver.install(ctx);
      const r = await run(`${ctx.venvDir}/bin/python`, [
        "-I",
        "-c",
        "import demo_pkg; print(demo_pkg.VALUE)",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "41", "the constraint pinned 0.1.0 over the newer 0.2.0");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: `a requirement no source has fails with InstallError (exit 6) and uv's explanation${skip}`,
  ignore: !ready,
  async fn() {
    assert.ok(uv.ok);
    const root = await Deno.makeTempDir();
    try {
      const ctx = context(root, {
        dependencies: ["prime-test-no-such-package"],
        installArgs: ["--no-index"],
      });
      const driver = createUvDriver(uv.value);
      await driver.create(ctx);
      await assert.rejects(driver.install(ctx), (e) => {
        assert.ok(e instanceof InstallError);
        assert.equal(e.exitCode, EXIT.INSTALL);
        // uv's own reason, in a few lines; the command only with -v.
        assert.match(e.details ?? "", /prime-test-no-such-package/);
        assert.ok((e.details ?? "").split("\n").length <= 4, e.details);
        assert.match(e.hint ?? "", /prime -v shows the command/);
        return true;
      });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: `a venv uv cannot create fails with VenvError (exit 5)${skip}`,
  ignore: !ready,
  async fn() {
    assert.ok(uv.ok && python.ok);
    const root = await Deno.makeTempDir();
    try {
      const ctx = context(root);
      ctx.python = { ...python.value, path: `${root}/no-such-python` };
      await assert.rejects(createUvDriver(uv.value).create(ctx), (e) => {
        assert.ok(e instanceof VenvError);
        assert.equal(e.exitCode, EXIT.VENV);
        assert.match(e.details ?? "", /no-such-python/);
        return true;
      });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

const py311 = pyenvPythons().find((p) => p.minor === "3.11");

Deno.test({
  name: `uvFindOrInstallPython() finds an interpreter on PATH for a version request${
    requires(uv, need(py311, "no pyenv CPython 3.11")).why
  }`,
  ignore: !uv.ok || !py311,
  async fn() {
    assert.ok(uv.ok && py311);
    const bin = py311.path.slice(0, py311.path.lastIndexOf("/"));
    const found = await uvFindOrInstallPython(
      uv.value,
      { raw: "3.11", specifier: "==3.11.*", implementation: null, freethreaded: false },
      { offline: true, env: { PATH: bin } },
    );
    assert.ok(found.startsWith(`${bin}/`), found);
    const r = await run(found, ["-c", "import sys;print(sys.version_info[:2])"]);
    assert.equal(r.stdout.trim(), "(3, 11)");
  },
});

Deno.test({
  name: `uvFindOrInstallPython() offline with no match is PythonNotFoundError (exit 4)${
    requires(uv).why
  }`,
  ignore: !uv.ok,
  async fn() {
    assert.ok(uv.ok);
    const empty = await Deno.makeTempDir();
    try {
      await assert.rejects(
        uvFindOrInstallPython(
          uv.value,
          { raw: "3.4", specifier: "==3.4.*", implementation: null, freethreaded: false },
          { offline: true, env: { PATH: empty } },
        ),
        (e) => {
          assert.ok(e instanceof PythonNotFoundError);
          assert.equal(e.exitCode, EXIT.PYTHON);
          assert.match(e.message, /^no interpreter for 3\.4: uv found none \(3\.4\)/);
          return true;
        },
      );
    } finally {
      await Deno.remove(empty, { recursive: true });
    }
  },
});
