/**
 * `.venv` as the tools already in a repo see it (issue 23, item 2): git leaves it out
 * of `git status` whatever `.gitignore` says, an activated shell and a console script
 * started before a rebuild keep working across rebuilds (VIRTUAL_ENV, `activate*` and
 * shebangs name `.venv`, never a generation), and a venv the user made with
 * `python -m venv` on the selected Python is adopted. Both drivers, real Pythons,
 * real pip and uv, local wheels.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildRepo,
  makeWheel,
  pathTaken,
  PRIME,
  pyenvPythons,
  python3,
  readUntil,
  type Repo,
  runFile,
  runPrime,
} from "../helpers/fixtures.ts";
import { pathWithUv, realUv } from "../helpers/uv.ts";
import { need, requires } from "../helpers/requires.ts";

const PY = python3("3.8");
const uv = PY ? await realUv() : { ok: false as const, why: "no Python >= 3.8 under pyenv" };
const git = (() => {
  try {
    return new Deno.Command("git", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();

type Driver = "venv_pip" | "venv_uv";

/** Whether a driver's tests run here, and the name suffix that says why not. */
function skip(driver: Driver, needs: { git?: boolean; bash?: boolean } = {}): [boolean, string] {
  const { ignore, why } = requires(
    need(PY, "no Python >= 3.8 under $PYENV_ROOT/versions"),
    driver === "venv_uv" ? uv : need(true, ""),
    need(!needs.git || git, "no git on PATH"),
  );
  return [ignore, why];
}

function toml(driver: Driver, deps: string[], extra = ""): string {
  return `required_python_version = "${PY?.minor}"
venv_driver = "${driver}"
dependencies = ${JSON.stringify(deps)}
install_args = ["--no-index", "--find-links", "wheels"]
${extra}`;
}

/** A repo for `driver` with the wheels greeting 1.0 and 2.0, alpha, beta and servekit. */
async function repo(
  driver: Driver,
  deps: string[],
  files: Record<string, string> = {},
  extra = "",
): Promise<Repo> {
  const path = driver === "venv_uv" && uv.ok ? pathWithUv(uv.value) : Deno.env.get("PATH")!;
  const r = await buildRepo({
    files: {
      "prime.toml": toml(driver, deps, extra),
      "app.py": "import greeting, sys\nprint(greeting.hello('v'), sys.prefix)\n",
      ...files,
    },
    wheels: [["greeting", "1.0"], ["greeting", "2.0"], ["alpha", "1.0"], ["beta", "1.0"]],
    env: { PIP_NO_CACHE_DIR: "1", PATH: path },
  });
  await makeWheel(join(r.dir, "wheels"), "servekit", "1.0", [], undefined, [
    "serve=serverapp:main",
  ]);
  return r;
}

async function prime(r: Repo, args: string[]) {
  const out = await runPrime(args, { cwd: r.dir, env: r.env });
  assert.equal(out.code, 0, `prime ${args.join(" ")}: ${out.stderr}`);
  return out;
}

/** Every regular file under .venv/bin that names a generation (`.prime/.venv.g…`). */
function filesNamingAGeneration(dir: string): string[] {
  const bin = join(dir, ".venv", "bin");
  const out: string[] = [];
  for (const e of Deno.readDirSync(bin)) {
    const p = join(bin, e.name);
    if (!Deno.statSync(p).isFile || Deno.statSync(p).size > 1 << 20) continue;
    if (new TextDecoder().decode(Deno.readFileSync(p)).includes("/.prime/.venv.g")) {
      out.push(e.name);
    }
  }
  return out;
}

for (const driver of ["venv_pip", "venv_uv"] as const) {
  {
    const [ignore, why] = skip(driver);
    Deno.test({
      name:
        `${driver}: a bash shell that sourced .venv/bin/activate imports what two rebuilds added, and -vv names no generation to activate${why}`,
      ignore,
      async fn() {
        const r = await repo(driver, ["greeting==1.0"]);
        const first = await prime(r, ["-vv", "sync"]);
        assert.doesNotMatch(first.stderr, /Activate with: source \.prime/);
        const script = `source .venv/bin/activate || exit 9
python -c 'import greeting; print("A", greeting.__version__)'
printf '%s\\n' "$T2" > prime.toml
"$PRIME" sync || echo "sync failed"
python -c 'import alpha; print("B", alpha.__version__)'
printf '%s\\n' "$T3" > prime.toml
"$PRIME" sync || echo "sync failed"
python -c 'import alpha, beta, sys; print("C", beta.__version__, sys.prefix)'
echo "VIRTUAL_ENV=$VIRTUAL_ENV"
`;
        const out = await runFile("bash", ["--noprofile", "--norc", "-c", script], {
          cwd: r.dir,
          env: {
            ...r.env,
            PRIME,
            T2: toml(driver, ["greeting==1.0", "alpha==1.0"]),
            T3: toml(driver, ["greeting==1.0", "alpha==1.0", "beta==1.0"]),
          },
        });
        assert.equal(out.code, 0, out.stderr);
        assert.equal((out.stderr.match(/building \.venv/g) ?? []).length, 2, out.stderr);
        assert.equal(
          out.stdout,
          `A 1.0\nB 1.0\nC 1.0 ${r.dir}/.venv\nVIRTUAL_ENV=${r.dir}/.venv\n`,
          out.stderr,
        );
      },
    });
  }

  {
    const [ignore, why] = skip(driver, { git: true });
    Deno.test({
      name:
        `${driver}: git status --porcelain stays empty after a build and a rebuild, with .venv/, .venv or no entry in .gitignore${why}`,
      ignore,
      async fn() {
        for (const form of [".venv/\n", ".venv\n", null]) {
          const r = await repo(
            driver,
            ["greeting==1.0"],
            form === null ? {} : { ".gitignore": form },
          );
          const g = async (...args: string[]) => {
            const o = await runFile("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
              cwd: r.dir,
              env: r.env,
            });
            assert.equal(o.code, 0, o.stderr);
            return o.stdout;
          };
          await g("init", "-q", ".");
          await g("add", "-A");
          await g("commit", "-q", "-m", "init");
          await prime(r, ["app.py"]);
          assert.equal(await g("status", "--porcelain"), "", `after the build, ${form}`);
          const again = await prime(r, ["--refresh", "app.py"]);
          assert.match(again.stderr, /building \.venv/);
          assert.equal(await g("status", "--porcelain"), "", `after a rebuild, ${form}`);
        }
      },
    });
  }

  {
    const [ignore, why] = skip(driver);
    Deno.test({
      name:
        `${driver}: a console script started before a rebuild runs its python again after it, and its shebang and activate* name .venv${why}`,
      ignore,
      async fn() {
        // What a `--reload` server does: start the app again with sys.executable.
        const server = `import subprocess, sys
def main():
    print("ready", sys.executable, flush=True)
    for _ in sys.stdin:
        r = subprocess.run([sys.executable, "-c", "import greeting; print(greeting.__version__)"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        print("reloaded", r.returncode, r.stdout.strip(), flush=True)
`;
        const extra = 'python_path = ["."]\n';
        const r = await repo(
          driver,
          ["servekit==1.0", "greeting==1.0"],
          { "serverapp.py": server },
          extra,
        );
        await prime(r, ["sync"]);
        const venv = `${r.dir}/.venv`;
        assert.match(
          await Deno.readTextFile(`${venv}/bin/serve`),
          new RegExp(`${venv}/bin/python`),
        );
        assert.deepEqual(filesNamingAGeneration(r.dir), []);
        for (const f of ["activate", "activate.fish", "activate.csh"]) {
          assert.ok((await Deno.readTextFile(`${venv}/bin/${f}`)).includes(venv), f);
        }
        const child = new Deno.Command(`${venv}/bin/serve`, {
          cwd: r.dir,
          env: r.env,
          clearEnv: true,
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        const stdin = child.stdin.getWriter();
        try {
          assert.equal(await readUntil(reader, /\n/), `ready ${venv}/bin/python\n`);
          await Deno.writeTextFile(
            `${r.dir}/prime.toml`,
            toml(driver, ["servekit==1.0", "greeting==2.0"], extra),
          );
          const rebuilt = await prime(r, ["sync"]);
          assert.match(rebuilt.stderr, /building \.venv/);
          await stdin.write(new TextEncoder().encode("\n"));
          assert.equal(await readUntil(reader, /\n/), "reloaded 0 2.0\n");
        } finally {
          await stdin.close().catch(() => {});
          const rest = await readUntil(reader);
          const st = await child.output().catch(() => null);
          assert.equal(rest, "");
          if (st) assert.equal(st.code, 0, new TextDecoder().decode(st.stderr));
        }
      },
    });
  }

  {
    const [ignore, why] = skip(driver);
    Deno.test({
      name:
        `${driver}: a venv the user made with python -m venv .venv on the selected Python is adopted, one on another Python is refused${why}${
          otherPython() === undefined
            ? " (the other-Python half skipped: no second Python 3.8+ here)"
            : ""
        }`,
      ignore,
      async fn() {
        const r = await repo(driver, ["greeting==1.0"]);
        const made = await runFile(PY!.path, ["-m", "venv", ".venv"], {
          cwd: r.dir,
          env: r.env,
        });
        assert.equal(made.code, 0, made.stderr);
        await Deno.writeTextFile(`${r.dir}/.venv/mine.txt`, "the user's");
        const cfg = await Deno.readTextFile(`${r.dir}/.venv/pyvenv.cfg`);
        const s = await prime(r, ["sync"]);
        assert.match(s.stderr, /adopting \.venv/);
        assert.equal(await Deno.readTextFile(`${r.dir}/.venv/mine.txt`), "the user's");
        assert.equal(await Deno.readTextFile(`${r.dir}/.venv/pyvenv.cfg`), cfg);
        const run = await prime(r, ["-v", "app.py"]);
        assert.equal(run.stdout, `hello, v, from greeting 1.0 ${r.dir}/.venv\n`);
        assert.equal(pathTaken(run), "warm", `warm: nothing rebuilt: ${run.stderr}`);

        // A venv on another Python than the selected one is still the user's.
        const other = otherPython();
        if (other === undefined) return; // the name says this half is skipped
        const r2 = await repo(driver, ["greeting==1.0"]);
        const made2 = await runFile(other.path, ["-m", "venv", "--without-pip", ".venv"], {
          cwd: r2.dir,
          env: r2.env,
        });
        assert.equal(made2.code, 0, made2.stderr);
        const refused = await runPrime(["sync"], { cwd: r2.dir, env: r2.env });
        assert.equal(refused.code, 5, refused.stderr);
        assert.match(refused.stderr, /prime did not make/);
      },
    });
  }
}

{
  const [ignore, why] = skip("venv_pip");
  Deno.test({
    name: "a python -m venv --copies .venv on the selected Python is refused, saying its " +
      "bin/python is a copy (not that 3.x.y is not 3.x.y)" + why,
    ignore,
    async fn() {
      const r = await repo("venv_pip", ["greeting==1.0"]);
      const made = await runFile(PY!.path, ["-m", "venv", "--copies", "--without-pip", ".venv"], {
        cwd: r.dir,
        env: r.env,
      });
      assert.equal(made.code, 0, made.stderr);
      const refused = await runPrime(["sync"], { cwd: r.dir, env: r.env });
      assert.equal(refused.code, 5, refused.stderr);
      assert.match(refused.stderr, /prime did not make/);
      assert.match(refused.stderr, /its bin\/python is not a link to the selected interpreter/);
      assert.doesNotMatch(refused.stderr, /with Python (\S+), not the selected \1 /);
    },
  });
}

/** A Python 3.8+ of another minor than the selected one, for the refusal half. */
function otherPython() {
  return pyenvPythons().find((p) =>
    p.minor !== PY?.minor && Number(p.minor.split(".")[0]) === 3 &&
    Number(p.minor.split(".")[1]) >= 8
  );
}

{
  const [ignore, why] = skip("venv_uv");
  Deno.test({
    name: `uv pip list, uv sync and uv run use prime's .venv as a venv, and leave it prime's${why}`,
    ignore,
    async fn() {
      const r = await repo("venv_uv", []);
      await Deno.remove(join(r.dir, "prime.toml"));
      await Deno.writeTextFile(
        join(r.dir, "pyproject.toml"),
        `[project]
name = "app"
version = "0"
requires-python = "==${PY!.minor}.*"
dependencies = ["greeting==1.0"]

[tool.uv]
package = false
no-index = true
find-links = ["wheels"]

[tool.prime]
venv_driver = "venv_uv"
`,
      );
      await prime(r, ["sync"]);
      const live = Deno.readLinkSync(join(r.dir, ".venv", ".prime-live"));
      const env = { ...r.env, UV_OFFLINE: "1", UV_CACHE_DIR: join(r.cache, "uv-cache") };
      const uvRun = async (...args: string[]) => {
        const o = await runFile(uv.ok ? uv.value.path : "uv", args, { cwd: r.dir, env });
        assert.equal(o.code, 0, `uv ${args.join(" ")}: ${o.stderr}`);
        return o.stdout;
      };
      assert.match(await uvRun("pip", "list"), /greeting\s+1\.0/);
      await uvRun("sync");
      assert.equal(
        await uvRun("run", "python", "-c", "import greeting, sys; print(sys.prefix)"),
        `${r.dir}/.venv\n`,
      );
      assert.equal(Deno.readLinkSync(join(r.dir, ".venv", ".prime-live")), live);
      assert.equal(Deno.readLinkSync(join(r.dir, ".venv", "bin")), ".prime-live/bin");
    },
  });
}
