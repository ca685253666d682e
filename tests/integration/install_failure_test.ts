/**
 * A failed install says its real cause, in a few lines, under both drivers: a build
 * whose own requirements cannot be resolved is not a compiler problem, a miss with the
 * network off says offline, and -v gives the command and the whole output. Real pip,
 * real uv, local wheels only.
 */
import assert from "node:assert/strict";
import { buildRepo, makeWheel, runPrime } from "../helpers/fixtures.ts";
import { requireUv } from "../helpers/requires.ts";

const { py, uv, ignore, why } = await requireUv();
const DRIVERS = ["venv_uv", "venv_pip"];

async function setup(files: Record<string, string>) {
  const links = await Deno.makeTempDir({ prefix: "prime-test-links-" });
  // A setuptools that exists, at a version the build requirement excludes.
  await makeWheel(links, "setuptools", "50.0");
  await makeWheel(links, "greeting", "1.0");
  const uvDir = uv.ok ? uv.value.path.slice(0, uv.value.path.lastIndexOf("/")) : "";
  return await buildRepo({
    files,
    env: { PATH: `${uvDir}:${Deno.env.get("PATH")}`, PIP_FIND_LINKS: links, PIP_NO_INDEX: "1" },
  });
}

/** The lines between the error's headline and its hint: the installer's reason. */
function reasonLines(stderr: string): string[] {
  const lines = stderr.split("\n");
  const start = lines.findIndex((l) => l.startsWith("error: "));
  const end = lines.findIndex((l, i) => i > start && /^\s*hint: /.test(l));
  assert.ok(start >= 0 && end > start, stderr);
  return lines.slice(start + 1, end);
}

Deno.test({
  name:
    "unresolvable build requirements are named as such under both drivers, never as a missing C compiler" +
    why,
  ignore,
  async fn() {
    const { dir, env } = await setup({
      "pyproject.toml": `[build-system]
requires = ["setuptools<1"]
build-backend = "setuptools.build_meta"

[project]
name = "proj"
version = "1.0"
requires-python = ">=${py!.minor}"
`,
    });
    for (const driver of DRIVERS) {
      const r = await runPrime(["sync"], { cwd: dir, env: { ...env, PRIME_VENV_DRIVER: driver } });
      assert.equal(r.code, 6, `${driver}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /build requirements.*\[build-system\]\.requires\) cannot be resolved/,
        driver,
      );
      assert.doesNotMatch(r.stderr, /compiler|build-essential|python3-dev/, driver);
      assert.match(r.stderr, /setuptools<1/, `${driver}: the installer's reason names it`);
      const reason = reasonLines(r.stderr);
      assert.ok(reason.length <= 4, `${driver}: at most 4 lines of reason:\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /^\$ /m, `${driver}: the command only with -v`);
      assert.match(r.stderr, /prime -v shows the command and the installer's whole output/);

      const v = await runPrime(["-v", "sync"], {
        cwd: dir,
        env: { ...env, PRIME_VENV_DRIVER: driver },
      });
      assert.equal(v.code, 6, v.stderr);
      assert.match(v.stderr, /^\$ \S+ .*install/m, `${driver}: -v shows the command`);
      assert.ok(reasonLines(v.stderr).length > reason.length, `${driver}: -v shows everything`);
    }
  },
});

Deno.test({
  name: "a dependency missing with --offline says offline under both drivers, not 'not found'" +
    why,
  ignore,
  async fn() {
    const { dir, env } = await setup({
      "prime.toml": `required_python_version = "${
        py!.minor
      }"\ndependencies = ["greeting", "absentpkg"]\n`,
    });
    for (const driver of DRIVERS) {
      const r = await runPrime(["--offline", "sync"], {
        cwd: dir,
        env: { ...env, PRIME_VENV_DRIVER: driver },
      });
      assert.equal(r.code, 6, `${driver}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /`absentpkg` is not in .*find-links, and the install ran offline/,
        driver,
      );
      assert.match(r.stderr, /hint: run once without --offline/, driver);
      assert.ok(reasonLines(r.stderr).length <= 4, r.stderr);
    }
  },
});
