/**
 * The one place that reads what a start of prime was asked to do: the command line,
 * the PRIME_* overrides from the environment, and the working directory, into one
 * Invocation value that the warm and the cold path both use. Parsing is pure (file
 * checks and the environment come in as functions); readInvocation() is the one place
 * that takes them from the process. Deno APIs only: the warm path uses it.
 *
 * prime's options stop at the script or the command: everything after SCRIPT or
 * `run CMD` belongs to the program untouched. node:util parseArgs cannot stop at the
 * first positional, so this is a small hand-written loop.
 *
 * Also the drop-in entry: a prime executable (the binary, a symlink to scripts/prime,
 * or the wrapper `prime init --wrapper` writes) placed in a repo runs against that
 * repo from any working directory, as if `-C REPO` were given (withDropIn()).
 */
import { UsageError } from "../core/errors.ts";
import { absoluteFrom, dirname, isDirectory, isFile, pathExists } from "../core/files.ts";

/** Options that apply to every command. */
export interface GlobalOptions {
  verbose: number;
  quiet: boolean;
  env: string | null;
  directory: string | null;
  python: string | null;
  refresh: boolean;
  offline: boolean;
}

/** The shell dialects `prime env` prints. */
export type ShellKind = "sh" | "fish" | "json";

/** What the user asked for. */
export type Command =
  | { kind: "sync" }
  | { kind: "script"; script: string; args: string[] }
  | { kind: "run"; cmd: string; args: string[] }
  | { kind: "info"; json: boolean; script?: string }
  | { kind: "env"; shell: ShellKind }
  | { kind: "shell"; args: string[] }
  | { kind: "init"; wrapper?: true }
  | { kind: "use"; name: string | null }
  | { kind: "trust"; revoke: boolean }
  | { kind: "lock" }
  | { kind: "clean"; script?: string }
  | { kind: "gc"; olderThanDays: number }
  | {
    kind: "bundle";
    entry: string | null;
    output: string | null;
    name: string | null;
    dryRun: boolean;
    depsOnly: boolean;
  }
  | { kind: "version" }
  | { kind: "help"; topic: string | null };

/** The parsed command line. */
export interface ParsedArgs {
  options: GlobalOptions;
  command: Command;
}

/** The subcommand names; a bare word matching one of these is never a script. */
export const SUBCOMMANDS = [
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
  "help",
] as const;

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
  };
}

/**
 * Consumes one global option at argv[i] if it is one. Returns the number of
 * arguments used (0 when argv[i] is not a global option).
 */
function takeGlobal(argv: string[], i: number, o: GlobalOptions): number {
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
    return takeGlobal([...argv.slice(0, i), `-${cluster[2]}`, ...argv.slice(i + 1)], i, o);
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

function unknownOption(a: string): UsageError {
  return new UsageError(`unknown option ${a}`, "run `prime --help` for the options");
}

/**
 * Parses argv. `isFile` says whether a bare word names an existing file (then it is a
 * script). @throws UsageError (exit 2)
 */
export function parseArgs(argv: string[], isFile: (path: string) => boolean): ParsedArgs {
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
    const used = takeGlobal(argv, i, o);
    if (used === 0) throw unknownOption(a);
    i += used;
  }
  if (i >= argv.length) return { options: o, command: { kind: "sync" } };

  const word = argv[i];
  const rest = argv.slice(i + 1);
  if (word.includes("/")) {
    return { options: o, command: { kind: "script", script: word, args: rest } };
  }
  if (!dashdash && (SUBCOMMANDS as readonly string[]).includes(word)) {
    return { options: o, command: parseSubcommand(word, rest, o) };
  }
  if (dashdash && word === "run") return { options: o, command: parseSubcommand(word, rest, o) };
  // With -C DIR a bare script name is looked up in DIR, as `git -C` would.
  const candidate = o.directory && !word.startsWith("/")
    ? `${o.directory.replace(/\/+$/, "")}/${word}`
    : word;
  // A FIFO or device there is a script that is not a file: script.ts says so (exit 2).
  if (word !== "" && (isFile(candidate) || (pathExists(candidate) && !isDirectory(candidate)))) {
    return { options: o, command: { kind: "script", script: word, args: rest } };
  }
  throw new UsageError(
    `unknown command or script: ${word}`,
    `commands are ${SUBCOMMANDS.join(", ")}; a script must be an existing file`,
  );
}

function parseSubcommand(name: string, rest: string[], o: GlobalOptions): Command {
  // `prime run --help`, `prime shell -h`: help, before anything is taken as CMD or -c.
  if ((name === "run" || name === "shell") && (rest[0] === "-h" || rest[0] === "--help")) {
    return { kind: "help", topic: name };
  }
  if (name === "run") {
    let i = 0;
    while (i < rest.length && rest[i].startsWith("-") && rest[i] !== "-") {
      if (rest[i] === "--") {
        i++;
        break;
      }
      const used = takeGlobal(rest, i, o);
      if (used === 0) throw unknownOption(rest[i]);
      i += used;
    }
    if (i >= rest.length) {
      throw new UsageError("run needs a command", "for example: prime run python -m pytest");
    }
    return { kind: "run", cmd: rest[i], args: rest.slice(i + 1) };
  }
  if (name === "shell") {
    // `prime shell -c CMD` passes -c and what follows to the shell.
    const args: string[] = [];
    let i = 0;
    while (i < rest.length) {
      if (rest[i] === "-c" || rest[i] === "--") {
        args.push(...rest.slice(rest[i] === "--" ? i + 1 : i));
        break;
      }
      const used = takeGlobal(rest, i, o);
      if (used === 0) throw unknownOption(rest[i]);
      i += used;
    }
    return { kind: "shell", args };
  }
  if (name === "bundle") return parseBundle(rest, o);
  const positionals: string[] = [];
  let json = false;
  let shell: ShellKind = "sh";
  let olderThan = 30;
  let revoke = false;
  let wrapper = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "-h" || a === "--help") return { kind: "help", topic: name };
    if (name === "trust" && a === "--revoke") {
      revoke = true;
      continue;
    }
    if (name === "init" && a === "--wrapper") {
      wrapper = true;
      continue;
    }
    if (name === "info" && a === "--json") {
      json = true;
      continue;
    }
    if (name === "env" && (a === "--shell" || a.startsWith("--shell="))) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : rest[++i];
      // POSIX-syntax shells all take the sh dialect.
      const dialect = ["bash", "zsh", "dash", "ksh"].includes(v) ? "sh" : v;
      if (dialect !== "sh" && dialect !== "fish" && dialect !== "json") {
        throw new UsageError(
          `--shell must be sh (or bash, zsh, dash, ksh), fish or json, not ${v ?? "nothing"}`,
        );
      }
      shell = dialect;
      continue;
    }
    if (name === "gc" && (a === "--older-than" || a.startsWith("--older-than="))) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : rest[++i];
      const n = Number(v);
      if (v === undefined || v === "" || !Number.isFinite(n) || n < 0) {
        throw new UsageError(`--older-than needs a number of days, not ${v ?? "nothing"}`);
      }
      olderThan = n;
      continue;
    }
    if (a.startsWith("-") && a !== "-") {
      const used = takeGlobal(rest, i, o);
      if (used === 0) throw unknownOption(a);
      i += used - 1;
      continue;
    }
    positionals.push(a);
  }
  // info and clean take a SCRIPT: its PEP 723 env (or its repo's env).
  const maxPositionals = ["use", "help", "info", "clean"].includes(name) ? 1 : 0;
  if (positionals.length > maxPositionals) {
    throw new UsageError(`${name}: unexpected argument ${positionals[maxPositionals]}`);
  }
  switch (name) {
    case "sync":
      return { kind: "sync" };
    case "info":
      return positionals[0] !== undefined
        ? { kind: "info", json, script: positionals[0] }
        : { kind: "info", json };
    case "env":
      return { kind: "env", shell };
    case "init":
      return wrapper ? { kind: "init", wrapper: true } : { kind: "init" };
    case "use":
      return { kind: "use", name: positionals[0] ?? null };
    case "trust":
      return { kind: "trust", revoke };
    case "lock":
      return { kind: "lock" };
    case "clean":
      return positionals[0] !== undefined ? { kind: "clean", script: positionals[0] } : {
        kind: "clean",
      };
    case "gc":
      return { kind: "gc", olderThanDays: olderThan };
    default:
      return { kind: "help", topic: positionals[0] ?? null };
  }
}

/** `bundle [ENTRY] --output DIR [--name NAME] [--dry-run] [--deps-only]`. */
function parseBundle(rest: string[], o: GlobalOptions): Command {
  const c = {
    kind: "bundle" as const,
    entry: null as string | null,
    output: null as string | null,
    name: null as string | null,
    dryRun: false,
    depsOnly: false,
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "-h" || a === "--help") return { kind: "help", topic: "bundle" };
    const m = /^(--output|-o|--name)(?:=(.*))?$/.exec(a);
    if (m) {
      const v = m[2] ?? rest[++i];
      if (v === undefined || v === "") throw new UsageError(`bundle: ${m[1]} needs a value`);
      if (m[1] === "--name") c.name = v;
      else c.output = v;
      continue;
    }
    if (a === "--dry-run") c.dryRun = true;
    else if (a === "--deps-only") c.depsOnly = true;
    else if (a.startsWith("-") && a !== "-") {
      const used = takeGlobal(rest, i, o);
      if (used === 0) throw unknownOption(a);
      i += used - 1;
    } else if (c.entry === null) c.entry = a;
    else throw new UsageError(`bundle: unexpected argument ${a}`, "bundle takes one ENTRY");
  }
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
}

/** Settings that replace configuration for one start, and where each came from. */
export interface Overrides {
  /** `--python`, else PRIME_PYTHON: an interpreter path or a version. */
  python: { value: string; source: "--python" | "PRIME_PYTHON" } | null;
  /** `--env`, else PRIME_ENV (the saved `prime use` choice comes after both). */
  env: { value: string; source: "--env" | "PRIME_ENV" } | null;
  /** PRIME_VENV_DRIVER, as given (validated where the settings are resolved). */
  driver: string | null;
}

/** One start of prime: argv + environment + working directory, read once. */
export interface Invocation extends ParsedArgs {
  /**
   * The -C directory, else the working directory (absolute): paths on the command
   * line are relative to it, the ref root is searched from it, and programs run there.
   */
  base: string;
  overrides: Overrides;
}

/**
 * Builds the Invocation from argv, an environment lookup and the working directory.
 * Empty PRIME_* values count as unset. Pure. @throws UsageError (exit 2)
 */
export function parseInvocation(
  argv: string[],
  ctx: { env: (name: string) => string | undefined; cwd: string; isFile: (p: string) => boolean },
): Invocation {
  const { options, command } = parseArgs(argv, ctx.isFile);
  const envPython = ctx.env("PRIME_PYTHON") || null;
  const envName = ctx.env("PRIME_ENV") || null;
  return {
    options,
    command,
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
    },
  };
}

/**
 * The Invocation of this process, with a -C directory resolved to its real path.
 * @throws UsageError (exit 2) for a bad command line or a -C that is not a directory.
 */
export function readInvocation(argv: string[]): Invocation {
  const inv = parseInvocation(argv, {
    env: (k) => Deno.env.get(k),
    cwd: Deno.cwd(),
    isFile,
  });
  if (inv.options.directory !== null) {
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
    inv.base = real;
  }
  return inv;
}

// ---- The drop-in entry (see the module header). The warm path runs it on every start.

/**
 * The variable scripts/prime and the wrapper set to the path they were started by
 * (their `$0`, symlinks not followed). It is consumed at start-up, so programs and
 * nested primes never see it.
 */
export const LAUNCHER_VAR = "PRIME_LAUNCHER";

/** Files that make a directory a ref root on its own (see project/ref_root.ts). */
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
    const dir = dropInDir(launcherPath(), Deno.cwd());
    return dir === null ? argv : ["-C", dir, ...argv];
  } catch {
    return argv;
  }
}
