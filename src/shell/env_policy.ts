/**
 * Which configured variables `prime env` and `prime shell` may hand to the user's own
 * shell. A program prime starts is the repo's code anyway, so it gets every `vars`
 * entry (launch/program_env.ts); an interactive shell is the user's, so names that
 * would run code there, load libraries into every command, redirect Python's imports
 * or steer prime are refused, and names a shell treats specially are skipped. Pure.
 */

/** Why a variable name may not reach an interactive shell, or null when it may. */
export function refusedReason(name: string): string | null {
  if (SHELL_CONTROL.has(name) || /^(BASH_|ZSH_|KSH_|fish_)/.test(name)) {
    return "controls the shell (it can run code at the next prompt or command)";
  }
  if (/^(LD_|DYLD_)/.test(name)) return "controls the dynamic loader (code in every command)";
  if (PYTHON_IMPORT.has(name)) return "controls what Python imports or runs at startup";
  if (/^(PRIME_|DIRENV_)/.test(name)) return "controls prime or direnv";
  return null;
}

const SHELL_CONTROL = new Set([
  "BASH_ENV",
  "ENV",
  "PROMPT_COMMAND",
  "PS0",
  "PS1",
  "PS2",
  "PS3",
  "PS4",
  "PROMPT",
  "RPROMPT",
  "RPS1",
  "RPS2",
  "SPROMPT",
  "IFS",
  "CDPATH",
  "FPATH",
  "SHELLOPTS",
  "BASHOPTS",
  "GLOBIGNORE",
  "HISTFILE",
  "HISTCONTROL",
  "HISTIGNORE",
  "INPUTRC",
  "ZDOTDIR",
  "TMOUT",
  "MAILPATH",
  "SHELL",
  "HOME",
]);

const PYTHON_IMPORT = new Set([
  "PYTHONPATH",
  "PYTHONHOME",
  "PYTHONSTARTUP",
  "PYTHONUSERBASE",
  "PYTHONPLATLIBDIR",
  "PYTHONSAFEPATH",
  "PYTHONNOUSERSITE",
  "PYTHONEXECUTABLE",
  "PYTHONBREAKPOINT",
  "PYTHONINSPECT",
]);

/**
 * Names a shell keeps for itself: assigning them fails (read-only, which stops an
 * `eval` in bash --posix), changes the shell (zsh's tied `path` arrays; as root,
 * zsh's UID/EUID/USERNAME even change the user) or is silently ignored. The sh list
 * covers bash, zsh, dash and ksh, since `eval "$(prime env)"` runs in any of them.
 */
const SHELL_SPECIAL: Record<"sh" | "fish", ReadonlySet<string>> = {
  sh: new Set([
    "UID",
    "EUID",
    "GID",
    "EGID",
    "PPID",
    "USERNAME",
    "LINENO",
    "RANDOM",
    "SECONDS",
    "SRANDOM",
    "EPOCHSECONDS",
    "EPOCHREALTIME",
    "HISTCMD",
    "OPTIND",
    "OPTARG",
    "SHLVL",
    "PWD",
    "OLDPWD",
    "ERRNO",
    "ARGC",
    "TTYIDLE",
    "status",
    "pipestatus",
    "argv",
    "path",
    "cdpath",
    "fpath",
    "manpath",
    "mailpath",
    "module_path",
    "psvar",
    "fignore",
    "watch",
    "signals",
    "options",
    "parameters",
    "commands",
    "functions",
    "aliases",
    "history",
    "historywords",
    "jobstates",
    "jobtexts",
    "jobdirs",
    "modules",
    "dirstack",
    "termcap",
    "terminfo",
    "userdirs",
    "nameddirs",
    "reswords",
    "widgets",
  ]),
  fish: new Set([
    "status",
    "pipestatus",
    "version",
    "FISH_VERSION",
    "fish_pid",
    "last_pid",
    "hostname",
    "history",
    "PWD",
    "SHLVL",
    "_",
    "umask",
    "argv",
    "CMD_DURATION",
    "COLUMNS",
    "LINES",
    "status_generation",
    "fish_kill_signal",
  ]),
};

/** Names the user allows despite refusedReason(): PRIME_ALLOW_VARS, set outside the repo. */
export function userAllowed(env: Record<string, string | undefined>): Set<string> {
  return new Set((env.PRIME_ALLOW_VARS ?? "").split(/[\s,]+/).filter((n) => n !== ""));
}

/** What to do with the configured variable names for one shell. */
export interface VarsVerdict {
  /** Names refused, each with why (exit 3 unless the user allows them). */
  refused: Array<{ name: string; why: string }>;
  /** Names that shell keeps for itself: not exported, with a warning. */
  skipped: string[];
}

/** Sorts configured names into refused, skipped and fine, for `shell` (json: no shell). */
export function judgeVars(
  names: Iterable<string>,
  shell: "sh" | "fish" | "json",
  allowed: ReadonlySet<string>,
): VarsVerdict {
  const refused: VarsVerdict["refused"] = [];
  const skipped: string[] = [];
  for (const name of new Set(names)) {
    const why = refusedReason(name);
    if (why !== null && !allowed.has(name)) refused.push({ name, why });
    else if (shell !== "json" && SHELL_SPECIAL[shell].has(name)) skipped.push(name);
  }
  return { refused, skipped };
}
