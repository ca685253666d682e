/** The help text. */
import { PRIME_VERSION } from "../core/version.ts";

/** What each command does, beyond its usage line (`prime help CMD`, `prime CMD --help`). */
const DETAILS: Record<string, string> = {
  sync: `Selects the interpreter, builds the venv if any input changed (under a lock), and
prints one summary line on stderr. Nothing happens when the env is up to date.`,
  run: `Runs CMD with the env active: VIRTUAL_ENV set, the venv's bin first on PATH.
python, python3 and the venv's python3.X are the venv's python, isolated (-s; -c, -m
and the REPL see the working directory, as with plain python). CMD is looked up
in the venv's bin, then on PATH, with a warning when a PATH command would use
another Python (a shim, an entry point, pip). A python3.X that is not the venv's is
exit 2. A command found nowhere is exit 127.

  prime run pytest -x
  prime run python -m http.server`,
  info: `Explains every decision (ref root, config files, env, required version, the
interpreter and every rejected candidate, the venv and why it is or is not fresh,
the isolation mode, the install plan) and changes nothing. --json for tools. With
SCRIPT: the env that script runs in (its PEP 723 script env, or its repo's). It runs
no code from the repo: a selector script is shown, not run.`,
  env: `Makes the env fresh, then prints its activation: export lines for eval (sh, bash,
zsh), set -gx for fish, or JSON. Build messages go to stderr.

  eval "$(prime env)"
  prime env --shell fish | source

The clone's vars and vars_files are exported only after \`prime trust\` (and again
after any edit to them); names that control shells, the loader, Python's imports or
prime are refused (exit 3) unless PRIME_ALLOW_VARS names them. See docs/SECURITY.md.`,
  shell: `Starts $SHELL with the env active after your rc files (bash --init-file, zsh
ZDOTDIR, fish --init-command, ENV for other shells), so your ~/.bashrc cannot put
another python first. -c CMD runs CMD in that shell and exits with its status.`,
  init: `Writes a commented starter prime.toml that detects .python-version,
pyproject.toml and requirements.txt. An existing prime.toml is never overwritten
(exit 3).`,
  use: `With NAME: makes env NAME this clone's default (kept in .prime/env, untracked).
With no NAME: prints the current choice and where it comes from. "-" clears it.`,
  bundle: `Syncs the env, then writes DIR: bin/NAME (a sh launcher), lib/ (the env's
installed distributions; editable projects installed again, non-editable), app/ (the
script and python_path dirs), and prime-bundle.json (the Python requirement, wheel
tags, entry, content hash). DIR/bin/NAME then runs with any Python that fits, with no
prime, venv or network; it may be moved, copied, read-only or linked from /usr/bin.
ENTRY is a script, a module:function, or a console script of the env. An existing DIR
must be empty or an earlier bundle. --deps-only writes lib/ (and the manifest) alone;
--dry-run lists what goes into lib/, with sizes, and writes nothing.

  prime bundle app.py --output dist/app
  prime bundle mypkg.cli:main --name mytool -o /usr/share/mytool`,
  lock: `Freezes the env's third-party packages (not its editable projects) into
constraints.txt (constraints-NAME.txt for env NAME), which later builds install under.`,
  clean: `Removes this env's venv. With SCRIPT: the script's env (its PEP 723 script env in
the cache, or its repo's venv). The next start builds it again.`,
  gc: `Removes cached script envs not used for DAYS days (default 30). Envs whose lock a
running prime holds are skipped.`,
  trust: `Lets prime env and prime shell export this clone's vars and vars_files, as they
are now: the record (outside the clone, in the cache) is keyed by the clone's path and
the content of its configuration and vars files, so any edit needs a new prime trust,
as with direnv allow. Read them first. --revoke forgets this clone.`,
  help: `Prints help: for all of prime, or for one command (prime help info).`,
};

/** The command names help knows, in help order. */
export function helpTopics(): string[] {
  const usage = helpText().split("\n").filter((l) => l.startsWith("  prime [OPTIONS] "));
  const names = usage.map((l) => l.slice("  prime [OPTIONS] ".length).split(/\s/)[0]).filter((w) =>
    /^[a-z]+$/.test(w)
  );
  return [...new Set([...names, "help"])];
}

/**
 * The help for one command: its usage lines from the main help, what it does, and
 * the options. Null for a name that is no command.
 */
export function commandHelp(topic: string): string | null {
  if (!helpTopics().includes(topic)) return null;
  const lines = helpText().split("\n");
  const usage: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith(`  prime [OPTIONS] ${topic}`)) continue;
    usage.push(lines[i]);
    // Continuation lines of a long usage entry are indented past the command column.
    while (i + 1 < lines.length && /^ {30,}\S/.test(lines[i + 1])) usage.push(lines[++i]);
  }
  if (topic === "help") usage.push("  prime help [COMMAND]");
  const options = lines.slice(lines.findIndex((l) => l.startsWith("Options"))).join("\n");
  const details = DETAILS[topic] ? `\n${DETAILS[topic]}\n` : "";
  return `Usage:\n${usage.join("\n")}\n${details}\n${options}`;
}

/** The text of `prime --help`. */
export function helpText(): string {
  return `prime ${PRIME_VERSION}: an isolated Python for a repo or a script, in one command

Usage:
  prime [OPTIONS]                      same as \`prime sync\`
  prime [OPTIONS] sync                 bring the env up to date; print a short summary
  prime [OPTIONS] SCRIPT [ARGS...]     run a Python script in its env (shebang mode)
  prime [OPTIONS] run CMD [ARGS...]    run a command with the env active
  prime [OPTIONS] info [--json] [SCRIPT]   explain every decision; read-only
  prime [OPTIONS] env [--shell sh|fish|json]   print activation for eval or direnv
                                       (bash, zsh, dash and ksh take the sh dialect)
  prime [OPTIONS] shell [-c CMD]       start an interactive shell with the env active
  prime [OPTIONS] init                 write a starter prime.toml (never overwrites)
  prime [OPTIONS] init --wrapper       write ./prime, a small committed launcher pinning this release
  prime [OPTIONS] use [NAME]           pick this clone's env (no NAME: print it; - clears)
  prime [OPTIONS] trust [--revoke]     let \`prime env\`/\`prime shell\` export this clone's vars
  prime [OPTIONS] lock                 pin the env's packages in the constraints file
  prime [OPTIONS] clean [SCRIPT]       remove this env's venv (or SCRIPT's env)
  prime [OPTIONS] gc [--older-than DAYS]   remove cached script envs unused for DAYS (30)
  prime [OPTIONS] bundle ENTRY -o DIR [--name NAME] [--dry-run] [--deps-only]
                                       write a relocatable app dir that any matching
                                       Python runs, with no prime or venv

Options (they stop at SCRIPT or CMD; \`--\` also ends them):
  -v, --verbose            explain decisions (-vv: installer commands and output)
  -q, --quiet              print errors only
  -e, --env NAME           use env NAME ([env.NAME] in the configuration)
  -C, --directory DIR      start from DIR instead of the working directory
      --python PATH|VER    use this interpreter or version, skipping selection
      --refresh            rebuild the venv from scratch
      --offline            no network: never download uv or Pythons
      --group NAME         also install dependency group NAME (repeatable)
      --only-group NAME    install group NAME alone: not the project or its dependencies
      --no-group NAME      leave group NAME out (wins over the others); --no-dev: dev
      --no-default-groups  leave out the default groups (dev, [tool.uv] default-groups)
      --all-groups         install every dependency group
      --extra NAME         install the project's extra NAME (repeatable); --all-extras: all
  -V, --version            print the version
  -h, --help               print this help (prime help CMD, prime CMD --help: one command)
  Short options combine: -vq, -vv, -vC DIR.

Exit codes: the program's own; 2 usage, 3 configuration, 4 no interpreter,
5 venv creation, 6 install, 7 lock timeout, 8 prime itself could not be fetched,
70 internal error; 126/127 the program could not be executed/found, as in a shell.
`;
}
