/**
 * The command table: every subcommand once, with its summary, options, arguments, long
 * help and how it runs. Parsing (args.ts), help (help.ts), dispatch (main.ts) and the
 * shell completions are read from it, so adding a command or an option is one entry
 * here. The global options are parsed in src/core/invocation.ts (the warm path shares
 * them); GLOBAL_OPTIONS describes them for help and completions, and a unit test holds
 * the two together, as it holds the names here to core's COMMAND_NAMES.
 *
 * Rule: nothing here imports a command module, statically or by a literal import():
 * `run` loads its command through load() (load.ts), so `--help` and `--version` load no
 * command, node: built-in or npm package.
 */
import { UsageError } from "../core/errors.ts";
import type { ShellKind } from "../shell/activation.ts";
import * as log from "../log.ts";
import type { Invocation } from "../core/invocation.ts";
import { load } from "./load.ts";
import type { CommandSpec, OptionSpec } from "./command_spec.ts";
import { writeAll } from "../core/files.ts";

function command<C extends { kind: string }>(spec: CommandSpec<C>): CommandSpec<C> {
  return spec;
}

/** `--shell`: the POSIX-syntax shells all take the sh dialect. */
function parseShell(v: string): ShellKind {
  const dialect = ["bash", "zsh", "dash", "ksh"].includes(v) ? "sh" : v;
  if (dialect !== "sh" && dialect !== "fish" && dialect !== "json") {
    throw new UsageError(`--shell must be sh (or bash, zsh, dash, ksh), fish or json, not ${v}`);
  }
  return dialect;
}

function parseDays(v: string): number {
  const n = Number(v);
  if (v === "" || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`--older-than needs a number of days, not ${v}`);
  }
  return n;
}

/** The project of the invocation (loaded on demand). */
async function project(inv: Invocation<{ kind: string }>) {
  const { loadProject } = await load("../project/project.ts");
  return await loadProject(inv, inv.base);
}

/** The project of the invocation, which must have a ref root (loaded on demand). */
async function rooted(
  inv: Invocation<{ kind: string }>,
  what: string,
  tolerateStaleChoice = false,
) {
  const { requireRoot } = await load("../project/project.ts");
  return await requireRoot(inv, what, tolerateStaleChoice);
}

/** The option every command has; parsed before the table is read. */
const HELP_OPTION: OptionSpec = {
  short: "-h",
  long: "--help",
  help: "this help (one command's: prime help CMD, CMD --help)",
  key: "help",
};

/** The global options (parsed by src/core/invocation.ts), for help and completions. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    short: "-v",
    long: "--verbose",
    help: "explain decisions (-vv: installer commands, output)",
    key: "verbose",
  },
  { short: "-q", long: "--quiet", help: "print errors only", key: "quiet" },
  {
    short: "-e",
    long: "--env",
    value: "NAME",
    help: "use env NAME ([env.NAME] in the configuration)",
    key: "env",
  },
  {
    short: "-C",
    long: "--directory",
    value: "DIR",
    help: "start from DIR instead of the working directory",
    key: "directory",
  },
  {
    long: "--python",
    value: "PATH|VER",
    help: "use this interpreter or version, skipping selection",
    key: "python",
  },
  { long: "--refresh", help: "rebuild the venv from scratch", key: "refresh" },
  { long: "--offline", help: "no network: never download uv or Pythons", key: "offline" },
  {
    long: "--group",
    value: "NAME",
    help: "also install dependency group NAME (repeatable)",
    key: "groups",
    repeat: true,
  },
  {
    long: "--only-group",
    value: "NAME",
    help: "install only group NAME, not the project or deps",
    key: "onlyGroups",
    repeat: true,
  },
  {
    long: "--no-group",
    value: "NAME",
    help: "leave group NAME out (wins over the others)",
    key: "noGroups",
    repeat: true,
  },
  { long: "--dev", help: "install the dev group (default; wins over UV_NO_DEV)", key: "dev" },
  { long: "--no-dev", help: "leave the dev group out (--no-group dev)", key: "dev" },
  {
    long: "--only-dev",
    help: "install only the dev group, not the project or deps",
    key: "onlyDev",
  },
  {
    long: "--no-default-groups",
    help: "no default groups (dev, [tool.uv] default-groups)",
    key: "noDefaultGroups",
  },
  { long: "--all-groups", help: "install every dependency group", key: "allGroups" },
  {
    long: "--extra",
    value: "NAME",
    help: "install the project's extra NAME (repeatable)",
    key: "extras",
    repeat: true,
  },
  {
    long: "--no-extra",
    value: "NAME",
    help: "leave extra NAME out (--all-extras: all but NAME)",
    key: "noExtras",
    repeat: true,
  },
  { long: "--all-extras", help: "install every extra of the project", key: "allExtras" },
  { short: "-V", long: "--version", help: "print the version", key: "version" },
  HELP_OPTION,
];

/** The subcommands, in help order. */
export const COMMANDS = [
  command<{ kind: "sync" }>({
    name: "sync",
    summary: "bring the env up to date; print a short summary",
    details: `Selects the interpreter, builds the venv if any input changed (under a lock),
and prints one summary line on stderr. Nothing happens when the env is up to
date.`,
    options: [],
    async run(inv) {
      const { syncCommand } = await load("../commands/sync.ts");
      return await syncCommand(await rooted(inv, "sync"));
    },
  }),
  command<{ kind: "run"; cmd: string; args: string[] }>({
    name: "run",
    summary: "run a command with the env active",
    details: `Runs CMD with the env active: VIRTUAL_ENV set, the venv's bin first on PATH.
python, python3 and the venv's python3.X are the venv's python, isolated (-s, no
user site; -c, -m and the REPL see the working directory first, as plain python
does; isolation = "strict" gives -I). CMD is looked up in the venv's bin, then
on PATH, with a warning when a PATH command would use another Python (a shim, an
entry point, pip); a CMD with a / is run as it is. A python3.X that is not the
venv's is exit 2. A command found nowhere is exit 127; one that cannot be
executed, 126.

  prime run pytest -x
  prime run python -m http.server`,
    options: [],
    usage: "CMD [ARGS...]",
    parsedByCore: true,
    async run(inv, c) {
      const { runCommand } = await load("../commands/run.ts");
      return await runCommand(await project(inv), c.cmd, c.args);
    },
  }),
  command<{ kind: "info"; json: boolean; script: string | null }>({
    name: "info",
    summary: "explain every decision; read-only",
    details: `Explains every decision (ref root, config files, env, required version, the
interpreter and every rejected candidate, the venv and why it is or is not
fresh, the isolation mode, the install plan) and changes nothing. --json for
tools. With SCRIPT: the env that script runs in (its PEP 723 script env, or its
repo's). It runs no code from the repo: a selector script is shown, not run.`,
    options: [{ long: "--json", help: "print the report as JSON, for tools", key: "json" }],
    args: [{ name: "SCRIPT", key: "script" }],
    async run(inv, c) {
      const { infoCommand, infoOf } = await load("../commands/info.ts");
      // What only -v, --json or a first build shows loads only then (info_more.ts).
      const more = () => load("../commands/info_more.ts");
      if (c.script === null) return await infoOf(inv, c.json, more);
      const { resolveScript } = await load("../commands/script.ts");
      const t = await resolveScript(inv, c.script);
      return t.kind === "block"
        ? await infoCommand(t.project, c.json, more, t)
        : await infoCommand(t.project, c.json, more);
    },
  }),
  command<{ kind: "env"; shell: ShellKind }>({
    name: "env",
    summary: "print activation for eval or direnv",
    details: `Makes the env fresh, then prints its activation: export lines for eval (sh,
bash, zsh), set -gx for fish, or JSON. Build messages go to stderr.

  eval "$(prime env)"
  prime env --shell fish | source

The clone's vars and vars_files are exported only after \`prime trust\` (and again
after any edit to them); names that control shells, the loader, Python's imports
or prime are refused (exit 3) unless PRIME_ALLOW_VARS names them. See
docs/SECURITY.md.`,
    options: [{
      long: "--shell",
      value: "sh|fish|json",
      choices: ["sh", "fish", "json", "bash", "zsh", "dash", "ksh"],
      help: "the dialect: sh (or bash, zsh, dash, ksh), fish, json",
      key: "shell",
      default: "sh",
      parse: parseShell,
    }],
    async run(inv, c) {
      // A fresh env's activation straight from its build record (as the warm path
      // serves `run`); anything else goes through the configuration.
      const { recordedEnv } = await load("../commands/env_recorded.ts");
      if (await recordedEnv(inv, c.shell)) return 0;
      const { envCommand } = await load("../commands/env.ts");
      return await envCommand(await rooted(inv, "env"), c.shell);
    },
  }),
  command<{ kind: "shell"; args: string[] }>({
    name: "shell",
    summary: "start an interactive shell with the env active",
    details: `Starts $SHELL with the env active after your rc files (bash --init-file, zsh
ZDOTDIR, fish --init-command, ENV for other shells), so your ~/.bashrc cannot
put another python first. -c CMD runs CMD in that shell and exits with its
status.`,
    options: [],
    passThrough: {
      short: "-c",
      value: "CMD",
      help: "run CMD (and what follows) in that shell, then exit",
      key: "args",
    },
    async run(inv, c) {
      const { shellCommand } = await load("../commands/env.ts");
      return await shellCommand(await rooted(inv, "shell"), c.args);
    },
  }),
  command<{ kind: "init"; wrapper: boolean }>({
    name: "init",
    summary: "write a starter prime.toml (never overwrites)",
    details: `Writes a commented starter prime.toml that detects .python-version,
pyproject.toml and requirements.txt. An existing prime.toml is never overwritten
(exit 3). --wrapper writes ./prime instead: a small committed launcher pinning
this release.`,
    options: [{
      long: "--wrapper",
      help: "write ./prime, a small committed launcher pinning this release",
      key: "wrapper",
    }],
    async run(inv, c) {
      if (c.wrapper) {
        const { wrapperCommand } = await load("../commands/wrapper.ts");
        return await wrapperCommand(inv.base);
      }
      const { initCommand } = await load("../commands/init.ts");
      return await initCommand(inv.options, inv.base);
    },
  }),
  command<{ kind: "use"; name: string | null }>({
    name: "use",
    summary: "pick this clone's env (no NAME: print it; - clears)",
    details: `With NAME: makes env NAME this clone's default (kept in .prime/env, untracked).
With no NAME: prints the current choice and where it comes from. "-" clears it.`,
    options: [],
    args: [{ name: "NAME", key: "name" }],
    async run(inv, c) {
      const { useCommand } = await load("../commands/use.ts");
      return await useCommand(await rooted(inv, "use", true), c.name);
    },
  }),
  command<{ kind: "trust"; revoke: boolean }>({
    name: "trust",
    summary: "let `prime env`/`shell` export this clone's vars",
    details: `Lets prime env and prime shell export this clone's vars and vars_files, as they
are now: the record (outside the clone, in the cache) is keyed by the clone's
path and the content of its configuration and vars files, so any edit needs a
new prime trust, as with direnv allow. Read them first. --revoke forgets this
clone.`,
    options: [{ long: "--revoke", help: "forget this clone's trust record", key: "revoke" }],
    async run(inv, c) {
      const { trustCommand } = await load("../commands/trust.ts");
      return await trustCommand(await rooted(inv, "trust"), c.revoke);
    },
  }),
  command<{ kind: "lock"; upgrade: boolean; upgradePackages: string[] }>({
    name: "lock",
    summary: "pin the env's packages in the constraints file",
    details: `Freezes the env's third-party packages (not its editable projects) into
constraints.txt (constraints-NAME.txt for env NAME), which later builds install
under. --upgrade drops every pin and resolves again (the newest versions the
requirements allow); --upgrade-package NAME does so for NAME only, the other
pins holding. Both rebuild the env first and print each pin that moved.

  prime lock --upgrade
  prime lock --upgrade-package requests`,
    options: [
      {
        short: "-U",
        long: "--upgrade",
        help: "resolve every package anew, ignoring the current pins",
        key: "upgrade",
      },
      {
        short: "-P",
        long: "--upgrade-package",
        value: "NAME",
        repeat: true,
        help: "resolve NAME anew, keep the other pins (repeatable)",
        key: "upgradePackages",
      },
    ],
    async run(inv, c) {
      const { lockCommand } = await load("../commands/lock.ts");
      return await lockCommand(await rooted(inv, "lock"), c);
    },
  }),
  command<{ kind: "clean"; script: string | null }>({
    name: "clean",
    summary: "remove this env's venv (or SCRIPT's env)",
    details: `Removes this env's venv. With SCRIPT: the script's env (its PEP 723 script env
in the cache, or its repo's venv). The next start builds it again.`,
    options: [],
    args: [{ name: "SCRIPT", key: "script" }],
    async run(inv, c) {
      const { cleanCommand } = await load("../commands/clean.ts");
      if (c.script === null) return await cleanCommand(await rooted(inv, "clean"));
      const { resolveScript } = await load("../commands/script.ts");
      const t = await resolveScript(inv, c.script);
      if (t.kind === "block") {
        const { selectFor } = await load("../project/project.ts");
        const py = (await selectFor(t.project, t.settings.required, false)).python!;
        return await cleanCommand({
          cache: t.project.cache,
          settings: { ...t.settings, venvDir: await t.venvDirFor(py) },
        });
      }
      if (t.project.refRoot === null) {
        log.info(`prime: nothing to clean: ${c.script} has no block and no ref root, so no venv`);
        return 0;
      }
      return await cleanCommand(t.project);
    },
  }),
  command<{ kind: "gc"; olderThanDays: number }>({
    name: "gc",
    summary: "remove cached script envs unused for DAYS (30)",
    details: `Removes cached script envs not used for DAYS days (default 30). An env being
built, or used by a running program, is skipped.`,
    options: [{
      long: "--older-than",
      value: "DAYS",
      help: "remove what was not used for DAYS days (default 30)",
      key: "olderThanDays",
      default: 30,
      parse: parseDays,
    }],
    async run(inv, c) {
      const { gcCommand } = await load("../commands/clean.ts");
      return await gcCommand(inv.options, c.olderThanDays);
    },
  }),
  command<{
    kind: "bundle";
    entry: string | null;
    output: string | null;
    name: string | null;
    dryRun: boolean;
    depsOnly: boolean;
  }>({
    name: "bundle",
    summary: "write an app dir that any matching Python runs alone",
    details: `Syncs the env, then writes DIR: bin/NAME (a sh launcher), lib/ (the env's
installed distributions; editable projects installed again, non-editable), app/
(the script and python_path dirs), and prime-bundle.json (the Python
requirement, wheel tags, entry, content hash). DIR/bin/NAME then runs with any
Python that fits, with no prime, venv or network; it may be moved, copied,
read-only or linked from /usr/bin. ENTRY is a script, a module:function, or a
console script of the env. An existing DIR must be empty or an earlier bundle.
--deps-only writes lib/ (and the manifest) alone; --dry-run lists what goes into
lib/, with sizes, and writes nothing.

  prime bundle app.py --output dist/app
  prime bundle mypkg.cli:main --name mytool -o /usr/share/mytool`,
    args: [{ name: "ENTRY", key: "entry", required: true }],
    options: [
      {
        short: "-o",
        long: "--output",
        value: "DIR",
        help: "write the bundle to DIR (new, empty, or an earlier bundle)",
        key: "output",
        required: true,
      },
      {
        long: "--name",
        value: "NAME",
        help: "the launcher's name, bin/NAME (default: from ENTRY)",
        key: "name",
      },
      {
        long: "--dry-run",
        help: "list what would go in, with sizes; write nothing",
        key: "dryRun",
      },
      {
        long: "--deps-only",
        help: "write lib/ and the manifest alone (no ENTRY)",
        key: "depsOnly",
      },
    ],
    check(c) {
      if (c.depsOnly && c.entry !== null) {
        throw new UsageError(
          "bundle: --deps-only takes no ENTRY",
          "drop the entry, or drop --deps-only",
        );
      }
      if (!c.depsOnly && c.entry === null) {
        throw new UsageError(
          "bundle needs an ENTRY: a script, a module:function, or a console script",
          "for example: prime bundle app.py --output dist/app (or --deps-only for lib/ alone)",
        );
      }
      if (!c.dryRun && c.output === null) {
        throw new UsageError(
          "bundle: --output DIR is required",
          "for example: prime bundle app.py --output dist/app",
        );
      }
      return c;
    },
    async run(inv, c) {
      const { bundleCommand } = await load("../commands/bundle.ts");
      return await bundleCommand(inv, c);
    },
  }),
  command<{ kind: "completions"; shell: string | null }>({
    name: "completions",
    summary: "print a completion script for bash, zsh or fish",
    details: `Prints a completion script for SHELL, generated from prime's command table: the
commands, their options and the global ones, with values where they are known.

  eval "$(prime completions bash)"          # in ~/.bashrc
  source <(prime completions zsh)           # in ~/.zshrc (after compinit)
  prime completions fish > ~/.config/fish/completions/prime.fish`,
    args: [{ name: "SHELL", key: "shell", required: true, choices: ["bash", "zsh", "fish"] }],
    options: [],
    check(c) {
      if (c.shell === null || !["bash", "zsh", "fish"].includes(c.shell)) {
        throw new UsageError(
          c.shell === null
            ? "completions needs a SHELL: bash, zsh or fish"
            : `completions: no script for ${c.shell}; there are bash, zsh and fish`,
          "for example: prime completions bash",
        );
      }
      return c;
    },
    async run(_inv, c) {
      const { completionScript } = await load("./completions.ts");
      writeAll(
        Deno.stdout,
        completionScript(c.shell as "bash" | "zsh" | "fish", {
          commands: COMMANDS as readonly CommandSpec[],
          globals: GLOBAL_OPTIONS,
        }),
      );
      return 0;
    },
  }),
  command<{ kind: "help"; topic: string | null }>({
    name: "help",
    summary: "print help: for all of prime, or for one command",
    details: `Prints help: for all of prime, or for one command (prime help info).`,
    options: [],
    args: [{ name: "COMMAND", key: "topic" }],
    // Built into main.ts (as --version is): help.ts reads this table.
  }),
] as const;

/** The command of a table entry. */
type CommandOf<T> = T extends CommandSpec<infer C> ? C : never;

/** A command the table parses and runs. */
export type TableCommand = CommandOf<typeof COMMANDS[number]>;

/** The table entry of a command name, or undefined. */
export function commandSpec(name: string): CommandSpec | undefined {
  return (COMMANDS as readonly CommandSpec[]).find((c) => c.name === name);
}
