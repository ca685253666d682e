import assert from "node:assert/strict";
import { judgeVars, refusedReason } from "../../../src/shell/env_policy.ts";

/**
 * Names each shell's manual lists that run code, load files, redirect commands or
 * write the user's files (see env_policy.ts for the sections read).
 */
const REFUSED: Array<[string, string]> = [
  ["bash", "HISTSIZE"],
  ["bash", "HISTFILESIZE"],
  ["bash", "HISTTIMEFORMAT"],
  ["bash", "PROMPT_COMMAND"],
  ["bash", "INPUTRC"],
  ["bash", "EXECIGNORE"],
  ["bash", "BASH_LOADABLES_PATH"],
  ["bash", "FCEDIT"],
  ["zsh", "prompt"],
  ["zsh", "PROMPT4"],
  ["zsh", "RPROMPT2"],
  ["zsh", "NULLCMD"],
  ["zsh", "READNULLCMD"],
  ["zsh", "STTY"],
  ["zsh", "SAVEHIST"],
  ["zsh", "ZDOTDIR"],
  ["zsh", "TMPPREFIX"],
  ["zsh", "ARGV0"],
  ["fish", "fish_function_path"],
  ["fish", "FISH_DEBUG_OUTPUT"],
  ["fish", "BROWSER"],
  ["dash", "ENV"],
  ["dash", "MAILPATH"],
];

Deno.test("refusedReason() refuses what bash, zsh, fish and dash read as code, files or history", () => {
  for (const [shell, name] of REFUSED) {
    assert.match(refusedReason(name) ?? "", /controls the shell/, `${shell}: ${name}`);
  }
});

Deno.test("refusedReason() refuses what git, pagers and fish read as commands or config", () => {
  for (
    const name of [
      "GIT_CONFIG_COUNT",
      "GIT_CONFIG_KEY_0",
      "GIT_CONFIG_VALUE_0",
      "GIT_SSH_COMMAND",
      "GIT_PAGER",
      "GIT_DIR",
      "XDG_CONFIG_HOME",
      "PAGER",
      "MANPAGER",
      "LESSOPEN",
      "SSH_ASKPASS",
    ]
  ) {
    assert.match(refusedReason(name) ?? "", /git, a pager/, name);
  }
  assert.match(refusedReason("__fish_data_dir") ?? "", /controls the shell/);
});

Deno.test("refusedReason() lets display and locale settings through", () => {
  for (const name of ["LANG", "LC_ALL", "COLUMNS", "TIMEFORMAT", "TERM", "APP_MODE", "TZ"]) {
    assert.equal(refusedReason(name), null, name);
  }
});

Deno.test("judgeVars() refuses unless allowed, and skips a shell's own names", () => {
  const v = judgeVars(["HISTFILESIZE", "status", "APP"], "sh", new Set());
  assert.deepEqual(v.refused.map((r) => r.name), ["HISTFILESIZE"]);
  assert.deepEqual(v.skipped, ["status"]);
  const allowed = judgeVars(["HISTFILESIZE"], "sh", new Set(["HISTFILESIZE"]));
  assert.deepEqual(allowed.refused, []);
});
