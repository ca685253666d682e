/** The help text. */
import { PRIME_VERSION } from "../version.ts";

/** The text of `prime --help`. */
export function helpText(): string {
  return `prime ${PRIME_VERSION}: an isolated Python for a repo or a script, in one command

Usage:
  prime [OPTIONS]                      same as \`prime sync\`
  prime [OPTIONS] sync                 bring the env up to date; print a short summary
  prime [OPTIONS] SCRIPT [ARGS...]     run a Python script in its env (shebang mode)
  prime [OPTIONS] run CMD [ARGS...]    run a command with the env active
  prime [OPTIONS] info [--json]        explain every decision; read-only
  prime [OPTIONS] env [--shell sh|fish|json]   print activation for eval or direnv
  prime [OPTIONS] shell [-c CMD]       start an interactive shell with the env active
  prime [OPTIONS] init                 write a starter prime.toml (never overwrites)
  prime [OPTIONS] init --wrapper       write ./prime, a small committed launcher pinning this release
  prime [OPTIONS] use [NAME]           pick this clone's env (no NAME: print it; - clears)
  prime [OPTIONS] trust [--revoke]     let \`prime env\`/\`prime shell\` export this clone's vars
  prime [OPTIONS] lock                 pin the env's packages in the constraints file
  prime [OPTIONS] clean                remove this env's venv
  prime [OPTIONS] gc [--older-than DAYS]   remove cached script envs unused for DAYS (30)
  prime [OPTIONS] bundle ENTRY --output DIR [--name NAME] [--dry-run]
                                       a relocatable app dir (bin/NAME, lib/) any matching
                                       Python runs; ENTRY: script, module:function or
                                       console script (--deps-only: lib/ alone)

Options (they stop at SCRIPT or CMD; \`--\` also ends them):
  -v, --verbose            explain decisions (-vv: installer commands and output)
  -q, --quiet              print errors only
  -e, --env NAME           use env NAME ([env.NAME] in the configuration)
  -C, --directory DIR      start from DIR instead of the working directory
      --python PATH|VER    use this interpreter or version, skipping selection
      --refresh            rebuild the venv from scratch
      --offline            no network: never download uv or Pythons
  -V, --version            print the version
  -h, --help               print this help

Exit codes: the program's own; 2 usage, 3 configuration, 4 no interpreter,
5 venv creation, 6 install, 7 lock timeout, 70 internal error.
`;
}
