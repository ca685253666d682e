/**
 * `prime shell` activates the env *after* the user's rc files, so a `pyenv init` or a
 * PATH line in ~/.bashrc cannot put another `python` before the venv's. Each shell has
 * its own hook: bash `--init-file` (a file that sources ~/.bashrc first), zsh a
 * `ZDOTDIR` whose files source the user's, fish `--init-command` (run after
 * config.fish), and any other shell `ENV` (read by interactive POSIX shells).
 *
 * The hook files are static (they hold no path and no value: the venv comes through
 * `__PRIME_SHELL_VENV`), so they are written once into the cache and shared.
 */
import { ownCacheSubdir, sha256Hex } from "../core/paths.ts";
import { basename } from "../core/files.ts";

/** The shell families prime knows how to activate after their rc files. */
export type ShellFamily = "bash" | "zsh" | "fish" | "posix";

/** The family of a shell path (`/usr/bin/zsh` → zsh); unknown shells are posix. */
export function shellFamily(shell: string): ShellFamily {
  const name = basename(shell).replace(/^-/, "");
  if (name === "bash") return "bash";
  if (name === "zsh") return "zsh";
  if (name === "fish") return "fish";
  return "posix";
}

// The prompt marker, as a venv's own activate script sets it: "(name) " before PS1,
// unless VIRTUAL_ENV_DISABLE_PROMPT is set (prompt frameworks that show the venv
// themselves ask for that). The name comes through __PRIME_SHELL_PROMPT, which
// promptName() limits to characters no shell's prompt expands.
const POSIX_ACTIVATE = `if [ -n "\${__PRIME_SHELL_VENV-}" ]; then
  export VIRTUAL_ENV="$__PRIME_SHELL_VENV"
  export PATH="$VIRTUAL_ENV/bin:$PATH"
  if [ -z "\${VIRTUAL_ENV_DISABLE_PROMPT-}" ] && [ -n "\${__PRIME_SHELL_PROMPT-}" ]; then
    export VIRTUAL_ENV_PROMPT="$__PRIME_SHELL_PROMPT"
    PS1="($VIRTUAL_ENV_PROMPT) \${PS1-}"
  fi
  unset PYTHONHOME PYTHONPATH __PRIME_SHELL_VENV __PRIME_SHELL_PROMPT __PRIME_USER_ENV
  hash -r 2>/dev/null || true
fi
`;

const BASHRC = `# prime shell: the user's ~/.bashrc first, then the env's activation, so it wins.
if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
${POSIX_ACTIVATE}`;

const POSIX_ENV = `# prime shell: the user's $ENV file first, then the env's activation, so it wins.
if [ -n "\${__PRIME_USER_ENV-}" ] && [ -f "$__PRIME_USER_ENV" ]; then . "$__PRIME_USER_ENV"; fi
${POSIX_ACTIVATE}`;

const ZSH_ACTIVATE = `if [[ -n "\${__PRIME_SHELL_VENV-}" ]]; then
  export VIRTUAL_ENV="$__PRIME_SHELL_VENV"
  export PATH="$VIRTUAL_ENV/bin:$PATH"
  if [[ -z "\${VIRTUAL_ENV_DISABLE_PROMPT-}" && -n "\${__PRIME_SHELL_PROMPT-}" ]]; then
    export VIRTUAL_ENV_PROMPT="$__PRIME_SHELL_PROMPT"
    PS1="($VIRTUAL_ENV_PROMPT) \${PS1-}"
  fi
  unset PYTHONHOME PYTHONPATH __PRIME_SHELL_VENV __PRIME_SHELL_PROMPT __PRIME_USER_ZDOTDIR __PRIME_ZDOTDIR
  rehash
fi
`;

// zsh reads $ZDOTDIR/.zshenv, then (interactive) .zshrc. Each sources the user's own
// file from the user's ZDOTDIR, which the user's .zshenv may itself change.
const ZSHENV = `# prime shell: the user's .zshenv, then (non-interactive) the env's activation.
__PRIME_ZDOTDIR="$ZDOTDIR"
ZDOTDIR="\${__PRIME_USER_ZDOTDIR:-$HOME}"
[[ -f "$ZDOTDIR/.zshenv" ]] && source "$ZDOTDIR/.zshenv"
__PRIME_USER_ZDOTDIR="\${ZDOTDIR:-$HOME}"
if [[ -o interactive ]]; then
  ZDOTDIR="$__PRIME_ZDOTDIR"
else
${ZSH_ACTIVATE}fi
`;

const ZSHRC = `# prime shell: the user's .zshrc first, then the env's activation, so it wins.
ZDOTDIR="$__PRIME_USER_ZDOTDIR"
[[ -f "$ZDOTDIR/.zshrc" ]] && source "$ZDOTDIR/.zshrc"
${ZSH_ACTIVATE}`;

// fish runs --init-command after config.fish, before -c or the prompt. The marker wraps
// the user's fish_prompt, as a venv's activate.fish does, and hands it the last
// command's status (a prompt that shows it still sees the real one).
const FISH_ACTIVATE = "if set -q __PRIME_SHELL_VENV; " +
  "set -gx VIRTUAL_ENV $__PRIME_SHELL_VENV; set -gx PATH $VIRTUAL_ENV/bin $PATH; " +
  "if not set -q VIRTUAL_ENV_DISABLE_PROMPT; and set -q __PRIME_SHELL_PROMPT; " +
  "and functions -q fish_prompt; and not functions -q __prime_old_fish_prompt; " +
  "set -gx VIRTUAL_ENV_PROMPT $__PRIME_SHELL_PROMPT; " +
  "functions -c fish_prompt __prime_old_fish_prompt; " +
  "function __prime_status; return $argv[1]; end; " +
  "function fish_prompt; set -l s $status; printf '(%s) ' $VIRTUAL_ENV_PROMPT; " +
  "__prime_status $s; __prime_old_fish_prompt; end; end; " +
  "set -e PYTHONHOME; set -e PYTHONPATH; set -e __PRIME_SHELL_VENV; set -e __PRIME_SHELL_PROMPT; end";

/**
 * The prompt marker's name for a venv: its directory's name (what the venv's own
 * activate script shows, `.venv` by default), with every character outside
 * `[A-Za-z0-9._+-]` turned into `_`. The name is pasted into PS1, which bash expands
 * (`$(...)`, backquotes) and zsh reads for `%` sequences: a clone under a directory
 * named to run code at the prompt (CPython's CVE-2024-9287) gets a harmless marker.
 */
export function promptName(venvDir: string): string {
  return basename(venvDir).replace(/[^A-Za-z0-9._+-]/g, "_").slice(0, 64);
}

/** Writes `files` into one content-addressed directory under `base`, once. */
async function hookDir(base: string, files: Record<string, string>): Promise<string> {
  const key = (await sha256Hex(JSON.stringify(files))).slice(0, 16);
  const dir = `${base}/${key}`;
  try {
    if (Object.keys(files).every((f) => Deno.statSync(`${dir}/${f}`).isFile)) return dir;
  } catch { /* not written yet */ }
  ownCacheSubdir(dir);
  for (const [name, text] of Object.entries(files)) {
    const tmp = `${dir}/.${name}.${crypto.randomUUID()}`;
    await Deno.writeTextFile(tmp, text, { mode: 0o600 });
    await Deno.rename(tmp, `${dir}/${name}`);
  }
  return dir;
}

/**
 * How to start `shell` so the env is activated after its rc files: the arguments to
 * put before the user's, and variables to add to its environment.
 */
export async function shellHook(
  shell: string,
  venvDir: string,
  inherited: Record<string, string>,
  cacheDir: string,
): Promise<{ args: string[]; env: Record<string, string> }> {
  const family = shellFamily(shell);
  const env: Record<string, string> = {
    __PRIME_SHELL_VENV: venvDir,
    __PRIME_SHELL_PROMPT: promptName(venvDir),
  };
  if (family === "fish") return { args: ["--init-command", FISH_ACTIVATE], env };
  let base = `${cacheDir}/shell`;
  try {
    // The user's and writable by no one else: the shell runs these files, and a cache
    // once open to all (then `chmod 700`, as prime's hint says) may hold a `shell/` dir
    // another uid made, with a bashrc of its own under the name prime would use.
    ownCacheSubdir(base);
  } catch {
    // A read-only cache, or one with another user's shell/: a private temp dir does
    // (it outlives prime, which execs).
    base = await Deno.makeTempDir({ prefix: "prime-shell-" });
  }
  if (family === "bash") {
    const dir = await hookDir(base, { "bashrc": BASHRC });
    return { args: ["--init-file", `${dir}/bashrc`], env };
  }
  if (family === "zsh") {
    const dir = await hookDir(base, { ".zshenv": ZSHENV, ".zshrc": ZSHRC });
    env.__PRIME_USER_ZDOTDIR = inherited.ZDOTDIR || inherited.HOME || "";
    env.ZDOTDIR = dir;
    return { args: [], env };
  }
  const dir = await hookDir(base, { "env.sh": POSIX_ENV });
  if (inherited.ENV) env.__PRIME_USER_ENV = inherited.ENV;
  env.ENV = `${dir}/env.sh`;
  return { args: [], env };
}
