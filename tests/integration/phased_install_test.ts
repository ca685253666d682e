/**
 * Installs that pip cannot do in one call: hash-pinned requirement files beside an
 * editable project and an unpinned dependency, and --no-build-isolation projects whose
 * build backend must be in the venv first. Both drivers, the same result.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildRepo, makeBackendWheel, python3, runPrime, testEnv } from "../helpers/fixtures.ts";
import { pathWithUv, realUv } from "../helpers/uv.ts";
import { need, requires } from "../helpers/requires.ts";

const py = python3("3.8");
const uv = py ? await realUv() : { ok: false as const, why: "no Python >= 3.8 under pyenv" };

const APP = `import json, greeting, extra, myproj
print(json.dumps({"greeting": greeting.__version__, "extra": extra.__version__,
  "myproj": myproj.where()}))
`;

async function sha256File(path: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

type Driver = "venv_pip" | "venv_uv";
const drivers: { name: Driver; skip: string | null }[] = [
  { name: "venv_pip", skip: py ? null : "no Python >= 3.8 under $PYENV_ROOT/versions" },
  { name: "venv_uv", skip: uv.ok ? null : uv.why },
];

function envFor(driver: Driver, cache: string): Record<string, string> {
  const path = driver === "venv_uv" && uv.ok ? pathWithUv(uv.value) : Deno.env.get("PATH")!;
  return testEnv(cache, { PATH: path });
}

/** A project repo: myproj (built by tinybackend) at the root, wheels in wheels/. */
/** prime.toml lines for a driver: `extra` from the repo's wheels. */
function extraToml(driver: string): string {
  return `venv_driver = "${driver}"
dependencies = ["extra"]
install_args = ["--no-index", "--find-links", "wheels"]
`;
}

async function projectRepo(toml: string, buildRequires: string) {
  const { dir } = await buildRepo({
    wheels: [["greeting", "1.0"], ["extra", "2.0"]],
    files: {
      "prime.toml": `required_python_version = "${py!.minor}"\n${toml}`,
      "pyproject.toml": `[build-system]
requires = [${buildRequires}]
build-backend = "tinybackend"

[project]
name = "myproj"
version = "0.1"
dependencies = []
`,
      "myproj/__init__.py": "import os\ndef where():\n    return os.path.dirname(__file__)\n",
      "app.py": APP,
    },
  });
  await makeBackendWheel(join(dir, "wheels"));
  return dir;
}

for (const d of drivers) {
  Deno.test({
    name:
      `${d.name}: a hash-pinned requirements file, an unpinned dependency and an editable project install together` +
      requires(need(!d.skip, d.skip ?? "")).why,
    ignore: d.skip !== null,
    async fn() {
      const dir = await projectRepo(extraToml(d.name), `"tinybackend"`);
      const hash = await sha256File(join(dir, "wheels", "greeting-1.0-py3-none-any.whl"));
      // What pip-compile --generate-hashes writes.
      await Deno.writeTextFile(
        join(dir, "requirements.txt"),
        `greeting==1.0 \\\n    --hash=sha256:${hash}\n    # via -r requirements.in\n`,
      );
      const env = envFor(d.name, await Deno.makeTempDir());
      const r = await runPrime(["-vv", "app.py"], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), {
        greeting: "1.0",
        extra: "2.0",
        myproj: join(dir, "myproj"),
      });
      // Three calls: the hashed file alone, then the dependency, then the project.
      const calls = r.stderr.split("\n").filter((l) => /^\$ .* (pip )?install /.test(l));
      assert.equal(calls.length, 3, r.stderr);
      assert.match(calls[0], /-r \S+requirements\.txt/);
      assert.doesNotMatch(calls[0], / extra | -e /);
      assert.match(calls[1], / extra /);
      assert.match(calls[2], / -e /);
      const info = JSON.parse((await runPrime(["info", "--json"], { cwd: dir, env })).stdout);
      assert.deepEqual(info.plan.install_calls, [
        "hash-pinned requirements",
        "dependencies",
        "editable projects",
      ]);
      assert.equal(info.venv.fresh, true, info.venv.reason);
      // A wrong hash is still refused, with the hash cause's hint.
      await Deno.writeTextFile(
        join(dir, "requirements.txt"),
        `greeting==1.0 --hash=sha256:${"0".repeat(64)}\n`,
      );
      const bad = await runPrime(["app.py"], { cwd: dir, env });
      assert.equal(bad.code, 6, bad.stderr);
      assert.match(bad.stderr, /hash/i);
    },
  });

  Deno.test({
    name: `${d.name}: one installer call when nothing needs more (no hashes, build isolation on)` +
      requires(need(!d.skip, d.skip ?? "")).why,
    ignore: d.skip !== null,
    async fn() {
      const dir = await projectRepo(extraToml(d.name), `"tinybackend"`);
      await Deno.writeTextFile(join(dir, "requirements.txt"), "greeting==1.0\n");
      const env = envFor(d.name, await Deno.makeTempDir());
      const r = await runPrime(["-vv", "app.py"], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      const calls = r.stderr.split("\n").filter((l) => /^\$ .* (pip )?install /.test(l));
      assert.equal(calls.length, 1, r.stderr);
    },
  });

  for (const where of ["dependencies", "[build-system].requires only"]) {
    Deno.test({
      name:
        `${d.name}: a --no-build-isolation project gets its build backend (from ${where}) before it is built` +
        requires(need(!d.skip, d.skip ?? "")).why,
      ignore: d.skip !== null,
      async fn() {
        const dir = await projectRepo(
          `venv_driver = "${d.name}"
dependencies = [${where === "dependencies" ? `"tinybackend", ` : ""}"extra", "greeting==1.0"]
install_args = ["--no-index", "--find-links", "wheels", "--no-build-isolation"]
`,
          `"tinybackend"`,
        );
        const env = envFor(d.name, await Deno.makeTempDir());
        const r = await runPrime(["-vv", "app.py"], { cwd: dir, env });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(JSON.parse(r.stdout).myproj, join(dir, "myproj"));
        const calls = r.stderr.split("\n").filter((l) => /^\$ .* (pip )?install /.test(l));
        assert.equal(calls.length, 2, r.stderr);
        assert.match(calls[0], / tinybackend /);
        assert.match(calls[1], / -e /);
        // The backend was installed into the venv, not an isolated build env.
        const check = await runPrime(["run", "python", "-c", "import tinybackend"], {
          cwd: dir,
          env,
        });
        assert.equal(check.code, 0, check.stderr);
      },
    });
  }
}
