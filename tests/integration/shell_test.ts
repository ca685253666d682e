/**
 * `prime shell` really activates: the user's rc file prepends a directory with its own
 * `python` to PATH (as `pyenv init` does), and inside the interactive subshell, driven
 * through a real pty (`script`), `python` is still the venv's. bash, zsh and fish; the
 * ones this machine lacks are skipped by name.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildRepo,
  PRIME,
  python3,
  runFile,
  runPrime,
  tempTree,
  testEnv,
} from "../helpers/fixtures.ts";
import { need, requires } from "../helpers/requires.ts";

const py = python3("3.8");

function which(name: string): string | null {
  for (const d of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (d && Deno.statSync(`${d}/${name}`).isFile) return `${d}/${name}`;
    } catch { /* not here */ }
  }
  return null;
}

const scriptCmd = which("script");

/** A repo, and a HOME whose rc files put a fake `python` first on PATH. */
async function setup() {
  const home = await tempTree({
    "fakebin/python": "#!/bin/sh\necho fake-python\n",
    ".bashrc": 'export PATH="$HOME/fakebin:$PATH"\nexport FROM_RC=bashrc\n',
    ".zshrc": 'export PATH="$HOME/fakebin:$PATH"\nexport FROM_RC=zshrc\n',
    ".config/fish/config.fish": "set -gx PATH $HOME/fakebin $PATH\nset -gx FROM_RC fish\n",
  });
  await Deno.chmod(join(home, "fakebin", "python"), 0o755);
  const { dir, env } = await buildRepo({
    files: { "prime.toml": `required_python_version = "${py!.minor}"\nvenv_driver = "venv_pip"\n` },
    env: { HOME: home, TERM: "dumb" },
  });
  // Build the env first, so the pty session only runs the shell.
  const sync = await runPrime([], { cwd: dir, env });
  assert.equal(sync.code, 0, sync.stderr);
  return { dir, env };
}

/** Runs `prime shell` under a pty with SHELL=shell, typing `input`; returns the output. */
async function ptyShell(shell: string, dir: string, env: Record<string, string>, input: string) {
  const r = await runFile(scriptCmd!, ["-qec", `'${PRIME}' shell`, "/dev/null"], {
    cwd: dir,
    env: { ...env, SHELL: shell },
    stdin: input,
  });
  return r.stdout.replaceAll("\r", "");
}

for (const name of ["bash", "zsh", "fish"]) {
  const shell = which(name);
  const missing = py === undefined
    ? "no Python >= 3.8 under $PYENV_ROOT/versions"
    : scriptCmd === null
    ? "no `script` command for a pty"
    : shell === null
    ? `no ${name} on PATH`
    : null;
  Deno.test({
    name: `prime shell (${name}, through a pty) activates the env after the user's rc file` +
      requires(need(!missing, missing ?? "")).why,
    ignore: missing !== null,
    async fn() {
      const { dir, env } = await setup();
      const out = await ptyShell(
        shell!,
        dir,
        env,
        'echo "PY=$(command -v python)"\necho "RC=$FROM_RC"\necho "VE=$VIRTUAL_ENV"\n' +
          (name === "fish" ? 'echo "PS1="(fish_prompt)\n' : 'echo "PS1=$PS1"\n') + "exit\n",
      );
      assert.match(out, /RC=(bashrc|zshrc|fish)/, `the rc file ran:\n${out}`);
      assert.match(out, new RegExp(`PY=${dir}/\\.venv/bin/python`), out);
      assert.doesNotMatch(out, /PY=.*fakebin/, out);
      assert.match(out, new RegExp(`VE=${dir}/\\.venv`), out);
      // The prompt marker, as the venv's own activate script gives it.
      assert.match(out, /PS1=\(\.venv\) /, out);
      // -c: the same for a command (zsh reads .zshenv and fish config.fish even then).
      const c = await runPrime(["shell", "-c", "command -v python"], {
        cwd: dir,
        env: { ...env, SHELL: shell! },
      });
      assert.equal(c.code, 0, c.stderr);
      assert.equal(c.stdout.trim(), `${dir}/.venv/bin/python`);
    },
  });
}

Deno.test({
  name: "prime env --shell zsh and --shell bash print the sh dialect" +
    requires(need(py !== undefined, "no Python >= 3.8 under $PYENV_ROOT/versions")).why,
  ignore: py === undefined,
  async fn() {
    const dir = await tempTree({
      "prime.toml": `required_python_version = "${py!.minor}"\nvenv_driver = "venv_pip"\n`,
    });
    const env = testEnv(await Deno.makeTempDir());
    const sh = await runPrime(["env", "--shell", "sh"], { cwd: dir, env });
    for (const d of ["zsh", "bash"]) {
      const r = await runPrime(["env", `--shell=${d}`], { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, sh.stdout);
    }
    const bad = await runPrime(["env", "--shell", "tcsh"], { cwd: dir, env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--shell must be sh \(or bash, zsh, dash, ksh\), fish or json/);
  },
});
