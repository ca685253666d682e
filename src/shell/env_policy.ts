/**
 * Which configured variables `prime env` and `prime shell` may hand to the user's own
 * shell. A program prime starts is the repo's code anyway, so it gets every `vars`
 * entry (launch/program_env.ts); an interactive shell is the user's, so names that
 * would run code there, load libraries into every command, redirect Python's imports
 * or steer prime are refused, and names a shell treats specially are skipped. Pure.
 */

/** Why a variable name may not reach an interactive shell, or null when it may. */
export function refusedReason(name: string): string | null {
  if (SHELL_CONTROL.has(name) || /^(BASH_|ZSH_|KSH_|fish_|FISH_|__fish_)/.test(name)) {
    return "controls the shell (it can run code at the next prompt or command)";
  }
  if (/^(LD_|DYLD_)/.test(name)) return "controls the dynamic loader (code in every command)";
  if (PYTHON_IMPORT.has(name)) return "controls what Python imports or runs at startup";
  if (/^(PRIME_|DIRENV_)/.test(name)) return "controls prime or direnv";
  if (/^GIT_/.test(name) || PROMPT_TOOLS.has(name)) {
    return "controls a tool the shell's prompt or the user runs (git, a pager): it can run code";
  }
  return null;
}

/**
 * The variables a shell reads that run code, load files, redirect commands, change how
 * input is parsed, or write or truncate the user's files (history, traces), taken from
 * each shell's manual rather than from memory: bash(1) 5.2, "Shell Variables"; zsh
 * 5.9's zshparam(1), "Parameters Used By The Shell"; fish 3.6's fish-language(1),
 * "Special variables"; dash(1), "Environment". Names a manual lists that only change
 * display or limits (COLUMNS, TIMEFORMAT, LANG, LC_*) are not here. Every `BASH_*`,
 * `ZSH_*`, `KSH_*`, `fish_*` and `FISH_*` name is refused by prefix as well.
 */
const SHELL_CONTROL = new Set([
  // Run code: sourced at startup, or expanded (command substitution) at each prompt.
  "BASH_ENV", // bash
  "ENV", // bash --posix, sh, dash, zsh in sh emulation
  "ZDOTDIR", // zsh: where .zshrc is read from
  "PROMPT_COMMAND", // bash
  "PS0", // bash
  "PS1",
  "PS2",
  "PS3",
  "PS4", // bash, zsh, dash (PS4 with xtrace)
  "PROMPT", // zsh
  "PROMPT2",
  "PROMPT3",
  "PROMPT4",
  "prompt", // zsh, the same as PS1
  "RPROMPT",
  "RPROMPT2",
  "RPS1",
  "RPS2",
  "SPROMPT",
  "PROMPT_EOL_MARK", // zsh: prompt-expanded
  "POSTEDIT", // zsh: written to the terminal after each edit
  "MAIL", // bash, zsh, dash: MAILPATH's message is expanded (command substitution)
  "MAILPATH",
  "MAILCHECK",
  "NULLCMD", // zsh: the command a redirection with no command runs
  "READNULLCMD",
  "STTY", // zsh: run as `stty` before each external command
  "FCEDIT", // bash, zsh: the editor `fc` runs
  "EDITOR", // bash(1) `fc` falls back to it (git and others run it too)
  "VISUAL",
  "BROWSER", // fish: `help` runs it
  "ARGV0", // zsh: argv[0] of every external command
  // Load code or data: functions, modules, readline bindings (which can run commands),
  // terminal descriptions.
  "FPATH", // zsh (ksh)
  "MODULE_PATH", // zsh
  "INPUTRC", // bash readline
  "TERMINFO", // zsh, and readline through ncurses
  "TERMINFO_DIRS",
  // Redirect commands or directories, or change how a typed line is parsed.
  "IFS",
  "CDPATH",
  "EXECIGNORE", // bash: hides executables from the PATH search
  "GLOBIGNORE", // bash: what `*` matches (so what `rm *` removes)
  "histchars", // bash, zsh: the history expansion characters
  "HISTCHARS", // zsh
  "KEYBOARD_HACK", // zsh: ignores an odd trailing quote
  "SHELLOPTS", // bash: options set at startup
  "BASHOPTS",
  "POSIXLY_CORRECT", // bash: posix mode
  "FUNCNEST", // bash, zsh: a low value breaks the user's functions
  // Write or truncate the user's files.
  "HISTFILE", // bash, zsh
  "HISTSIZE", // bash, zsh, dash: a small value drops history
  "HISTFILESIZE", // bash: 0 truncates ~/.bash_history at the next exit
  "SAVEHIST", // zsh
  "HISTCONTROL", // bash: what is (not) saved
  "HISTIGNORE",
  "HISTORY_IGNORE", // zsh
  "HISTTIMEFORMAT", // bash: turns timestamps on in the history file
  "TMPPREFIX", // zsh: where temp files for =(...) and here-documents go
  // End the session or change whose it is.
  "TMOUT", // bash, zsh: exits an idle shell
  "IGNOREEOF",
  "HOME",
  "SHELL",
]);

/**
 * What the tools an interactive shell runs all the time read as commands or config,
 * beyond the shell's own variables. Most prompts run git on every line (bash's
 * __git_ps1, zsh's vcs_info, starship, fish_git_prompt), and git(1) "ENVIRONMENT
 * VARIABLES" lets the environment set any config key (`GIT_CONFIG_COUNT`,
 * `GIT_CONFIG_KEY_0=core.fsmonitor`, `GIT_CONFIG_VALUE_0=<command>`: run by the next
 * `git status`), name the commands it runs (`GIT_SSH_COMMAND`, `GIT_PAGER`,
 * `GIT_EXTERNAL_DIFF`, `GIT_ASKPASS`) or its config files: every `GIT_*` is refused
 * by prefix, and `XDG_CONFIG_HOME` (git's, and fish's, config dir). A pager is run by
 * man(1), git and less(1) itself (`LESSOPEN="|cmd %s"` runs cmd on every file less
 * opens), as `EDITOR` is by fc and git. fish keeps its own paths in `__fish_*`.
 */
const PROMPT_TOOLS = new Set([
  "XDG_CONFIG_HOME",
  "PAGER",
  "MANPAGER",
  "LESSOPEN",
  "LESSCLOSE",
  "LESSKEYIN",
  "SSH_ASKPASS",
  "SSH_ASKPASS_REQUIRE",
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
