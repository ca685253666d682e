/**
 * What a start of prime was asked to do, as far as the warm path needs it: the global
 * options, the command line's top level (a script, `run CMD`, or which subcommand),
 * the PRIME_* overrides from the environment, the working directory, and the drop-in
 * check. The subcommands' own options are parsed by src/cli/ (the command table),
 * which builds on parseTopLevel(). Deno APIs only: every start runs this.
 *
 * prime's options stop at the script or the command: everything after SCRIPT or
 * `run CMD` belongs to the program untouched. node:util parseArgs cannot stop at the
 * first positional, so this is a small hand-written loop.
 *
 * The drop-in entry: a prime executable (the binary, a symlink to scripts/prime, or the
 * wrapper `prime init --wrapper` writes) placed in a repo runs against that repo from
 * any working directory, as if `-C REPO` were given (withDropIn()).
 */
import { UsageError } from "./errors.ts";
import { absoluteFrom, dirname, isDirectory, isFile, listedIsFile, pathExists } from "./files.ts";

// ---- The dependency-group and extra flags of one start (uv's `--group`, `--only-group`,
// `--no-group`, `--dev`, `--no-dev`, `--only-dev`, `--no-default-groups`, `--all-groups`,
// `--extra`, `--no-extra`, `--all-extras`), as given. The warm path parses them and keys its pointer on them, so
// an env built for another selection is never run; config/dependency_groups.ts (selectDeps) gives
// them their meaning.

/** The flags as given. */
export interface GroupRequest {
  groups: string[];
  onlyGroups: string[];
  noGroups: string[];
  /**
   * `--dev` (`--group dev`, an undefined `dev` tolerated) or `--no-dev` (`--no-group dev`,
   * likewise): of the two, the last given wins, as in uv; null for neither.
   */
  dev?: boolean | null;
  /** `--only-dev`: `--only-group dev`, and uv's conflicts (extras are ignored, not refused). */
  onlyDev?: boolean;
  noDefaultGroups: boolean;
  allGroups: boolean;
  extras: string[];
  /** `--no-extra`: these extras are left out, even when named by `--extra` (uv does so). */
  noExtras?: string[];
  allExtras: boolean;
}

/** The request of a start that gives none of the flags. */
export function emptyGroupRequest(): GroupRequest {
  return {
    groups: [],
    onlyGroups: [],
    noGroups: [],
    dev: null,
    onlyDev: false,
    noDefaultGroups: false,
    allGroups: false,
    extras: [],
    noExtras: [],
    allExtras: false,
  };
}

/** Whether a request gives any of the flags. */
export function isEmptyGroupRequest(r: GroupRequest): boolean {
  return r.groups.length === 0 && r.onlyGroups.length === 0 && r.noGroups.length === 0 &&
    (r.dev ?? null) === null && !r.onlyDev && !r.noDefaultGroups && !r.allGroups &&
    r.extras.length === 0 && (r.noExtras ?? []).length === 0 && !r.allExtras;
}

/** A group or extra name in its normal form (PEP 503 / PEP 735). */
function normal(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** The request as one canonical string (empty for no flags), for request keys. */
export function groupRequestKey(r: GroupRequest): string {
  if (isEmptyGroupRequest(r)) return "";
  const sorted = (xs: string[]) => [...new Set(xs.map(normal))].sort().join(",");
  return [
    `g=${sorted(r.groups)}`,
    `o=${sorted(r.onlyGroups)}`,
    `n=${sorted(r.noGroups)}`,
    `d=${r.noDefaultGroups ? 1 : 0}`,
    `a=${r.allGroups ? 1 : 0}`,
    `e=${sorted(r.extras)}`,
    `x=${r.allExtras ? 1 : 0}`,
    // The later flags join the key only when given: the keys of older requests hold.
    ...((r.dev ?? null) === null ? [] : [`v=${r.dev ? 1 : 0}`]),
    ...(r.onlyDev ? ["od=1"] : []),
    ...((r.noExtras ?? []).length === 0 ? [] : [`ne=${sorted(r.noExtras!)}`]),
  ].join(";");
}

/** What a group or extra name may look like (PEP 685 / PEP 735 names). */
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** The flags that take a name, and where each puts it. */
const NAMED: Record<string, "groups" | "onlyGroups" | "noGroups" | "extras" | "noExtras"> = {
  "--group": "groups",
  "--only-group": "onlyGroups",
  "--no-group": "noGroups",
  "--extra": "extras",
  "--no-extra": "noExtras",
};

/**
 * uv (clap) refuses a switch given again while it stands: `--dev --dev`, but not
 * `--dev --no-dev --dev`, where --no-dev overrode the first.
 */
function twice(flag: string): string {
  return `the option ${flag} cannot be used multiple times`;
}

/**
 * Consumes one group/extra flag at argv[i] into `r`. Returns the number of arguments
 * used (0 when argv[i] is not one of them), or an error message for a flag with a
 * missing or malformed name.
 */
export function takeGroupFlag(argv: string[], i: number, r: GroupRequest): number | string {
  const a = argv[i];
  if (a === "--dev" || a === "--no-dev") {
    if (r.dev === (a === "--dev")) return twice(a);
    r.dev = a === "--dev";
    return 1;
  }
  if (a === "--only-dev") {
    if (r.onlyDev) return twice(a);
    r.onlyDev = true;
    return 1;
  }
  if (a === "--no-default-groups") {
    if (r.noDefaultGroups) return twice(a);
    r.noDefaultGroups = true;
    return 1;
  }
  if (a === "--all-groups") {
    if (r.allGroups) return twice(a);
    r.allGroups = true;
    return 1;
  }
  if (a === "--all-extras") {
    if (r.allExtras) return twice(a);
    r.allExtras = true;
    return 1;
  }
  const eq = a.indexOf("=");
  const flag = eq > 0 ? a.slice(0, eq) : a;
  const field = NAMED[flag];
  if (field === undefined) return 0;
  const value = eq > 0 ? a.slice(eq + 1) : argv[i + 1];
  if (value === undefined || value === "") return `option ${flag} needs a name`;
  if (!NAME.test(value)) {
    return `option ${flag}: \`${value}\` is not a valid ${
      field === "extras" || field === "noExtras" ? "extra" : "group"
    } name`;
  }
  (r[field] ??= []).push(value);
  return eq > 0 ? 1 : 2;
}

/** clap's BoolishValueParser, as uv reads its boolean variables; null for anything else. */
function boolish(v: string): boolean | null {
  const t = v.trim().toLowerCase();
  if (["y", "yes", "t", "true", "on", "1"].includes(t)) return true;
  if (["n", "no", "f", "false", "off", "0"].includes(t)) return false;
  return null;
}

/**
 * The request with uv's variables applied as uv applies them: UV_NO_DEV (`--no-dev`),
 * UV_NO_DEFAULT_GROUPS (`--no-default-groups`) and UV_NO_GROUP (`--no-group`, names
 * split on spaces). A driver that runs `uv sync` passes them on to uv, so prime's
 * selection must be uv's. Returns an error message for a value uv refuses too.
 */
export function withUvGroupEnv(
  r: GroupRequest,
  env: (name: string) => string | undefined,
): GroupRequest | string {
  const out = { ...r, noGroups: [...r.noGroups] };
  for (
    const [name, apply] of [
      // An explicit --dev or --only-dev wins over the variable (uv 0.13.9 does so).
      ["UV_NO_DEV", () => {
        if ((out.dev ?? null) === null && !out.onlyDev) out.dev = false;
      }],
      ["UV_NO_DEFAULT_GROUPS", () => out.noDefaultGroups = true],
    ] as const
  ) {
    const v = env(name);
    if (v === undefined || v === "") continue;
    const b = boolish(v);
    if (b === null) return `${name}=${v}: not a boolean uv accepts (1, true, yes, on, or 0, ...)`;
    if (b) apply();
  }
  for (const g of (env("UV_NO_GROUP") ?? "").split(" ").filter(Boolean)) {
    if (!NAME.test(g)) return `UV_NO_GROUP: \`${g}\` is not a valid group name`;
    if (!out.noGroups.includes(g)) out.noGroups.push(g);
  }
  return out;
}

/** Options that apply to every command. */
export interface GlobalOptions {
  verbose: number;
  quiet: boolean;
  env: string | null;
  directory: string | null;
  python: string | null;
  refresh: boolean;
  offline: boolean;
  /** The dependency groups and extras asked for (`--group`, `--no-dev`, `--extra`, ...). */
  groups: GroupRequest;
}

/**
 * The subcommand names; a bare word matching one of these is never a script. (The
 * command table in src/cli/ holds one command for each.)
 */
export const COMMAND_NAMES = [
  "sync",
  "run",
  "info",
  "env",
  "shell",
  "init",
  "use",
  "trust",
  "lock",
  "clean",
  "gc",
  "bundle",
  "completions",
  "help",
] as const;

/** The commands that start a program: the warm path serves these. */
export type LaunchCommand =
  | { kind: "script"; script: string; args: string[] }
  | { kind: "run"; cmd: string; args: string[] };

/**
 * The command line's top level: a launch, or what src/cli/ parses further (a
 * subcommand with the arguments after its name).
 */
export type TopLevelCommand =
  | LaunchCommand
  | { kind: "sync" }
  | { kind: "version" }
  | { kind: "help"; topic: string | null }
  | { kind: "subcommand"; name: string; rest: string[] };

const VALUE_OPTIONS: Record<string, "env" | "directory" | "python"> = {
  "-e": "env",
  "--env": "env",
  "-C": "directory",
  "--directory": "directory",
  "--python": "python",
};

/** Default options. */
export function defaultOptions(): GlobalOptions {
  return {
    verbose: 0,
    quiet: false,
    env: null,
    directory: null,
    python: null,
    refresh: false,
    offline: false,
    groups: emptyGroupRequest(),
  };
}

/**
 * Consumes one global option at argv[i] if it is one. Returns the number of
 * arguments used (0 when argv[i] is not a global option).
 * @throws UsageError (exit 2) for a value option without its value.
 */
export function takeGlobalOption(argv: string[], i: number, o: GlobalOptions): number {
  const a = argv[i];
  if (a === "-v" || a === "--verbose") {
    o.verbose++;
    return 1;
  }
  // Clustered short flags, as in any Unix tool: -vv, -vq, -qv, -vC DIR, -vqeNAME.
  const cluster = /^-([vq]+)([eC].*)?$/.exec(a);
  if (cluster && (cluster[1].length > 1 || cluster[2] !== undefined)) {
    for (const f of cluster[1]) {
      if (f === "v") o.verbose++;
      else o.quiet = true;
    }
    if (cluster[2] === undefined) return 1;
    return takeGlobalOption([...argv.slice(0, i), `-${cluster[2]}`, ...argv.slice(i + 1)], i, o);
  }
  if (a === "-q" || a === "--quiet") {
    o.quiet = true;
    return 1;
  }
  if (a === "--refresh") {
    o.refresh = true;
    return 1;
  }
  if (a === "--offline") {
    o.offline = true;
    return 1;
  }
  const group = takeGroupFlag(argv, i, o.groups);
  if (typeof group === "string") throw new UsageError(group);
  if (group > 0) return group;
  const eq = a.indexOf("=");
  if (a.startsWith("--") && eq > 0 && VALUE_OPTIONS[a.slice(0, eq)]) {
    const value = a.slice(eq + 1);
    if (value === "") throw new UsageError(`option ${a.slice(0, eq)} needs a value`);
    o[VALUE_OPTIONS[a.slice(0, eq)]] = value;
    return 1;
  }
  const key = VALUE_OPTIONS[a];
  if (key) {
    const value = argv[i + 1];
    if (value === undefined || value === "") throw new UsageError(`option ${a} needs a value`);
    o[key] = value;
    return 2;
  }
  // -eNAME and -CDIR, the short forms with an attached value.
  if (/^-[eC]./.test(a)) {
    o[VALUE_OPTIONS[a.slice(0, 2)]] = a.slice(2);
    return 1;
  }
  return 0;
}

/** The usage error for an option prime does not have. */
export function unknownOption(a: string): UsageError {
  return new UsageError(`unknown option ${a}`, "run `prime --help` for the options");
}

/**
 * Parses the command line's top level: global options, then a script, `run CMD ARGS`,
 * or a subcommand's name (its arguments are left to src/cli/). `isFile` says whether a
 * bare word names an existing file (then it is a script).
 * @throws UsageError (exit 2)
 */
export function parseTopLevel(
  argv: string[],
  isFile: (path: string) => boolean,
): { options: GlobalOptions; command: TopLevelCommand } {
  const o = defaultOptions();
  let i = 0;
  let dashdash = false;
  while (i < argv.length) {
    const a = argv[i];
    if (a === "--") {
      dashdash = true;
      i++;
      break;
    }
    if (a === "-h" || a === "--help") return { options: o, command: { kind: "help", topic: null } };
    if (a === "-V" || a === "--version") return { options: o, command: { kind: "version" } };
    if (!a.startsWith("-") || a === "-") break;
    const used = takeGlobalOption(argv, i, o);
    if (used === 0) throw unknownOption(a);
    i += used;
  }
  if (i >= argv.length) return { options: o, command: { kind: "sync" } };

  const word = argv[i];
  const rest = argv.slice(i + 1);
  if (word.includes("/")) {
    return { options: o, command: { kind: "script", script: word, args: rest } };
  }
  // `run` is the command even after `--` (`prime -- run x`): no script can be named so.
  if (word === "run") {
    // `prime run --help`: help, before anything is taken as CMD.
    if (rest[0] === "-h" || rest[0] === "--help") {
      return { options: o, command: { kind: "help", topic: "run" } };
    }
    return { options: o, command: parseRun(rest, o) };
  }
  if (!dashdash && (COMMAND_NAMES as readonly string[]).includes(word)) {
    return { options: o, command: { kind: "subcommand", name: word, rest } };
  }
  // With -C DIR a bare script name is looked up in DIR, as `git -C` would.
  const candidate = o.directory && !word.startsWith("/")
    ? `${o.directory.replace(/\/+$/, "")}/${word}`
    : word;
  // A FIFO or device there is a script that is not a file: script.ts says so (exit 2).
  if (word !== "" && (isFile(candidate) || (pathExists(candidate) && !isDirectory(candidate)))) {
    return { options: o, command: { kind: "script", script: word, args: rest } };
  }
  throw new UnknownCommandError(word);
}

/**
 * A word that is neither a command nor a script (exit 2). The cold CLI adds the command
 * it probably meant (src/cli/main.ts), so the suggestion code stays off the warm path.
 */
export class UnknownCommandError extends UsageError {
  constructor(readonly word: string, near: string | null = null) {
    super(
      `unknown command or script: ${word}${near === null ? "" : `; did you mean \`${near}\`?`}`,
      near === null
        ? `commands are ${COMMAND_NAMES.join(", ")}; a script must be an existing file`
        : `run \`prime ${near}\` (\`prime help\` lists every command); a script must be an existing file`,
    );
  }
}

/** `run [OPTIONS] CMD ARGS...`: global options may come before CMD. */
function parseRun(rest: string[], o: GlobalOptions): LaunchCommand {
  let i = 0;
  while (i < rest.length && rest[i].startsWith("-") && rest[i] !== "-") {
    if (rest[i] === "--") {
      i++;
      break;
    }
    const used = takeGlobalOption(rest, i, o);
    if (used === 0) throw unknownOption(rest[i]);
    i += used;
  }
  if (i >= rest.length) {
    throw new UsageError("run needs a command", "for example: prime run python -m pytest");
  }
  return { kind: "run", cmd: rest[i], args: rest.slice(i + 1) };
}

/** Settings that replace configuration for one start, and where each came from. */
export interface Overrides {
  /** `--python`, else PRIME_PYTHON: an interpreter path or a version. */
  python: { value: string; source: "--python" | "PRIME_PYTHON" } | null;
  /** `--env`, else PRIME_ENV (the saved `prime use` choice comes after both). */
  env: { value: string; source: "--env" | "PRIME_ENV" } | null;
  /** PRIME_VENV_DRIVER, as given (validated where the settings are resolved). */
  driver: string | null;
  /** The group and extra flags (`--group`, `--no-dev`, ...); absent means none. */
  groups?: GroupRequest;
  /**
   * UV_PYTHON and PYENV_VERSION, the user's Python choices that live in the
   * environment (docs/DESIGN.md "The user's Python"); absent when both are unset.
   */
  pythonChoice?: string;
}

/** Where a start runs and what it overrides: what the request key is built from. */
export interface InvocationContext {
  /**
   * The -C directory, else the working directory (absolute): paths on the command
   * line are relative to it, the ref root is searched from it, and programs run there.
   */
  base: string;
  overrides: Overrides;
}

/** One start of prime: argv + environment + working directory, read once. */
export interface Invocation<C = TopLevelCommand> extends InvocationContext {
  options: GlobalOptions;
  command: C;
}

/** The process's environment, working directory and file check, as parsing sees them. */
export interface InvocationSource {
  env: (name: string) => string | undefined;
  cwd: string;
  isFile: (p: string) => boolean;
}

/**
 * The base and the overrides of a parsed command line. Empty PRIME_* values count as
 * unset; uv's group variables join the group flags (withUvGroupEnv). Pure.
 * @throws UsageError (exit 2) for a UV_NO_DEV, UV_NO_DEFAULT_GROUPS or UV_NO_GROUP uv refuses.
 */
export function invocationContext(
  options: GlobalOptions,
  ctx: Pick<InvocationSource, "env" | "cwd">,
): InvocationContext {
  const envPython = ctx.env("PRIME_PYTHON") || null;
  const envName = ctx.env("PRIME_ENV") || null;
  const groups = withUvGroupEnv(options.groups, ctx.env);
  if (typeof groups === "string") throw new UsageError(groups);
  return {
    base: options.directory === null ? ctx.cwd : absoluteFrom(ctx.cwd, options.directory),
    overrides: {
      python: options.python !== null
        ? { value: options.python, source: "--python" }
        : envPython !== null
        ? { value: envPython, source: "PRIME_PYTHON" }
        : null,
      env: options.env !== null
        ? { value: options.env, source: "--env" }
        : envName !== null
        ? { value: envName, source: "PRIME_ENV" }
        : null,
      driver: ctx.env("PRIME_VENV_DRIVER") || null,
      ...pythonChoiceOverride(ctx.env),
      ...(isEmptyGroupRequest(groups) ? {} : { groups }),
    },
  };
}

/** UV_PYTHON and PYENV_VERSION as one key part, or nothing when both are unset. Pure. */
function pythonChoiceOverride(
  env: (name: string) => string | undefined,
): { pythonChoice?: string } {
  const uv = env("UV_PYTHON") ?? "";
  const pyenv = env("PYENV_VERSION") ?? "";
  return uv || pyenv ? { pythonChoice: `${uv}\0${pyenv}` } : {};
}

/** This process's environment, working directory and file check. */
export function processSource(): InvocationSource {
  return { env: (k) => Deno.env.get(k), cwd: Deno.cwd(), isFile };
}

/**
 * `base` with a -C directory resolved to its real path.
 * @throws UsageError (exit 2) for a -C that is not a directory.
 */
export function resolveBase(inv: InvocationContext & { options: GlobalOptions }): string {
  if (inv.options.directory === null) return inv.base;
  let real: string | null = null;
  try {
    real = Deno.realPathSync(inv.base);
  } catch { /* reported below */ }
  if (real === null || !isDirectory(real)) {
    throw new UsageError(
      `-C ${inv.options.directory}: not a directory`,
      "pass an existing directory to -C/--directory",
    );
  }
  return real;
}

/**
 * The top-level Invocation of this process (what the warm path reads), with a -C
 * directory resolved to its real path.
 * @throws UsageError (exit 2) for a bad command line or a -C that is not a directory.
 */
export function readTopLevelInvocation(argv: string[]): Invocation {
  const src = processSource();
  const { options, command } = parseTopLevel(argv, src.isFile);
  const inv: Invocation = { options, command, ...invocationContext(options, src) };
  inv.base = resolveBase(inv);
  return inv;
}

// ---- The drop-in entry (see the module header). The warm path runs it on every start.

/**
 * The variable scripts/prime and the wrapper set to the path they were started by
 * (their `$0`, symlinks not followed). It is consumed at start-up, so programs and
 * nested primes never see it.
 */
export const LAUNCHER_VAR = "PRIME_LAUNCHER";

/**
 * Set by scripts/prime to PRIME_LAUNCHER's value when it found none of ROOT_MARKERS
 * (as regular files) beside that launcher: the drop-in check's answer is then "no"
 * without a listing here. Consumed at start-up, like LAUNCHER_VAR.
 */
export const NOT_DROP_IN_VAR = "PRIME_NOT_DROP_IN";

/** Files that make a directory a ref root on its own (see core/ref_root.ts). */
const ROOT_MARKERS = ["prime.toml", "pyproject.toml", ".python-version", "requirements.txt"];

/**
 * The path this process was started by: PRIME_LAUNCHER when a launcher set it, else
 * (a compiled binary) argv[0] when it holds a `/` (Linux /proc/self/cmdline), else the
 * executable itself. Removes PRIME_LAUNCHER from the environment.
 */
export function launcherPath(): string {
  const given = Deno.env.get(LAUNCHER_VAR);
  if (given !== undefined) {
    Deno.env.delete(LAUNCHER_VAR);
    if (given !== "") return given;
  }
  if (Deno.build.os === "linux") {
    try {
      const argv0 = Deno.readTextFileSync("/proc/self/cmdline").split("\0")[0];
      // Without a `/` it was found on PATH; the executable's own path says where.
      if (argv0.includes("/")) return argv0;
    } catch { /* no /proc: fall through */ }
  }
  return Deno.execPath();
}

/**
 * The directory a drop-in prime stands for, or null: the launcher's directory when
 * it holds prime.toml, pyproject.toml, .python-version or requirements.txt.
 * `exists` is a seam for tests.
 */
export function dropInDir(
  launcher: string,
  cwd: string,
  exists: (p: string) => boolean = isFile,
): string | null {
  // `./prime` names cwd itself: drop the `.` segments (`..` stays; -C resolves it).
  const dir = dirname(absoluteFrom(cwd, launcher)).replace(/(\/\.)+(?=\/|$)/g, "") || "/";
  const base = dir === "/" ? "" : dir;
  return ROOT_MARKERS.some((m) => exists(`${base}/${m}`)) ? dir : null;
}

/**
 * argv with `-C DIR` in front when prime was started as a drop-in (a `-C` the user
 * gives comes later, so it wins). Anything unexpected leaves argv as it is.
 */
export function withDropIn(argv: string[]): string[] {
  try {
    // scripts/prime found no marker beside this same launcher (see NOT_DROP_IN_VAR).
    const checked = Deno.env.get(NOT_DROP_IN_VAR);
    if (checked !== undefined) {
      Deno.env.delete(NOT_DROP_IN_VAR);
      if (checked !== "" && checked === Deno.env.get(LAUNCHER_VAR)) {
        launcherPath(); // consumes PRIME_LAUNCHER
        return argv;
      }
    }
    // One listing of the launcher's directory, not a stat per marker: they are missing
    // beside a prime on PATH, and each missing one would throw.
    const dir = dropInDir(launcherPath(), Deno.cwd(), listedIsFile());
    return dir === null ? argv : ["-C", dir, ...argv];
  } catch {
    return argv;
  }
}
