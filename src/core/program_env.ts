/** The environment a program runs with. Pure: the caller passes the inherited env. */
import { venvPython } from "./paths.ts";
import { findOnPath, pathDirs, pathExists } from "./files.ts";

/** What the program's environment is built from. */
export interface ProgramEnvInput {
  venvDir: string | null;
  refRoot: string | null;
  env: string | null;
  /** `vars` from the configuration. */
  vars: Record<string, string>;
  /** Values read from `vars_files`, later files winning. */
  fileVars: Record<string, string>;
  depth: number;
}

/**
 * Variables that change where the program's imports come from, or point it at another
 * Python: they never reach the program. Every other PYTHON* variable (PYTHONUNBUFFERED,
 * PYTHONUTF8, PYTHONDEVMODE, PYTHONWARNINGS, ...) is a runtime setting and passes, as
 * with plain `python`. PYTHONUSERBASE only matters with the user site, which `-s`
 * already drops; removing it keeps a child `pip install --user` from writing there.
 */
export const IMPORT_PATH_VARS = [
  "PYTHONHOME",
  "PYTHONPATH",
  "PYTHONSTARTUP",
  "PYTHONUSERBASE",
  "PYTHONPLATLIBDIR",
  "PYTHONEXECUTABLE",
  "__PYVENV_LAUNCHER__",
];

/**
 * How the program's Python is isolated. `imports` (the default): `-s` and a program
 * environment without IMPORT_PATH_VARS, so only the venv (and the script's own
 * directory, as with `python app.py`) is importable while runtime settings pass.
 * `strict`: `python -I`, which also ignores every PYTHON* setting.
 */
export type Isolation = "imports" | "strict";

/**
 * The interpreter flags that isolate a program run as `python ARGS`: `-s` (no user
 * site), so sys.path[0] is what plain python puts there, the script's own directory,
 * or for `-c`, `-m`, stdin and the REPL the working directory (as `python -m pytest`
 * and `uv run python -m pytest` have it in a flat-layout repo). `strict`: `-I`.
 */
export function isolationFlags(isolation: Isolation | undefined): string[] {
  return isolation === "strict" ? ["-I"] : ["-s"];
}

/**
 * Builds the program's environment. Precedence: the inherited environment wins over
 * `vars_files`, which win over `vars` (as with dotenv tools, a variable set on the
 * command line, `FOO=1 prime app.py`, is never overridden by a file). prime's own
 * variables (VIRTUAL_ENV, PATH, PRIME_*) always win.
 */
export function programEnv(
  inherited: Record<string, string>,
  input: ProgramEnvInput,
): Record<string, string> {
  const out: Record<string, string> = { ...input.vars, ...input.fileVars, ...inherited };
  for (const k of IMPORT_PATH_VARS) delete out[k];
  if (input.venvDir) {
    out.VIRTUAL_ENV = input.venvDir;
    const path = inherited.PATH ?? "/usr/local/bin:/usr/bin:/bin";
    out.PATH = `${input.venvDir}/bin:${path}`;
  }
  if (input.refRoot) out.PRIME_REF_ROOT = input.refRoot;
  else delete out.PRIME_REF_ROOT;
  if (input.env) out.PRIME_ENV_NAME = input.env;
  else delete out.PRIME_ENV_NAME;
  out.PRIME_DEPTH = String(input.depth + 1);
  return out;
}

/** The current nesting depth from PRIME_DEPTH (0 when unset or garbage). */
export function currentDepth(value: string | undefined): number {
  const n = Number(value ?? "0");
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * Where `prime run CMD` looks for CMD after the venv's bin: the program's own PATH (so
 * an unset PATH means the default the program gets), less the venv's bin in front.
 * The warm and the cold path both use this, so they find the same command.
 */
export function commandSearchDirs(env: Record<string, string>, venvDir: string | null): string[] {
  const dirs = pathDirs(env.PATH);
  return venvDir !== null && dirs[0] === `${venvDir}/bin` ? dirs.slice(1) : dirs;
}

/** The most nested prime starts allowed before prime refuses (a runaway shebang). */
export const MAX_DEPTH = 16;

/** The venv a command runs in, as `prime run` needs it. */
export interface RunVenv {
  dir: string;
  /** The venv's Python version (`3.12.4`). */
  version: string;
  isolation?: Isolation;
}

/** `python`, `python3` → ""; `python3.10` → "3.10"; anything else → null. */
export function pythonNameVersion(cmd: string): string | null {
  const m = /^python(?:3(\.\d+)?)?$/.exec(cmd);
  if (m === null) return null;
  return m[1] ? `3${m[1]}` : "";
}

/**
 * Why a versioned python name cannot mean the venv's python (`python3.10` in a 3.12
 * venv), or null when it can.
 */
export function pythonNameMismatch(cmd: string, version: string): string | null {
  const named = pythonNameVersion(cmd);
  if (!named) return null;
  const minor = version.split(".").slice(0, 2).join(".");
  return named === minor ? null : `${cmd} is not this env's Python, which is ${version}`;
}

/**
 * Resolves `prime run CMD ARGS`: python names mean the venv's python with the
 * isolation flags; other names come from the venv's bin, then PATH (`fromPath` says
 * the second). Null when nothing matches, or when a versioned python name does not
 * match the venv (see pythonNameMismatch).
 */
export function resolveRunCommand(
  cmd: string,
  venv: RunVenv | null,
  pathDirs: string[],
  isExecutable: (p: string) => boolean,
): { program: string; prefixArgs: string[]; fromPath: boolean } | null {
  if (venv && pythonNameVersion(cmd) !== null) {
    if (pythonNameMismatch(cmd, venv.version) !== null) return null;
    return {
      program: venvPython(venv.dir),
      prefixArgs: isolationFlags(venv.isolation),
      fromPath: false,
    };
  }
  if (cmd.includes("/")) {
    // A path is run as it is, never looked up: one that is there but cannot be run (no
    // x bit, a directory) is the kernel's to refuse (exit 126, as in a shell), so only
    // a missing one is "not found".
    return isExecutable(cmd) || pathExists(cmd)
      ? { program: cmd, prefixArgs: [], fromPath: false }
      : null;
  }
  if (venv && isExecutable(`${venv.dir}/bin/${cmd}`)) {
    return { program: `${venv.dir}/bin/${cmd}`, prefixArgs: [], fromPath: false };
  }
  const program = findOnPath(cmd, pathDirs, isExecutable);
  return program === null ? null : { program, prefixArgs: [], fromPath: true };
}

/**
 * The warning for a command found on PATH instead of in the venv, when it would run
 * with another Python (a pyenv or asdf shim, a Python entry point, pip): the program
 * would not see the venv's packages, or pip would install elsewhere. Null for other
 * commands (`make`, `git`), which need no warning. Reads at most 512 bytes.
 */
export function outsideVenvWarning(
  cmd: string,
  program: string,
  venvDir: string,
): { message: string; hint: string } | null {
  let head = "";
  try {
    const f = Deno.openSync(program);
    try {
      const buf = new Uint8Array(512);
      const n = f.readSync(buf) ?? 0;
      head = new TextDecoder().decode(buf.subarray(0, n));
    } finally {
      f.close();
    }
  } catch { /* unreadable: judge by the name */ }
  const pythonish = /^pip(3(\.\d+)?)?$/.test(cmd) || /^#!.*python/.test(head) ||
    /pyenv|asdf|python/i.test(head.startsWith("#!") ? head : "");
  if (!pythonish) return null;
  const pip = /^pip/.test(cmd);
  return {
    message: `${cmd} is not in ${venvDir}/bin; running ${program} from PATH, which uses ${
      pip
        ? "another Python and installs there, not into this env"
        : "another Python and does not see this env's packages"
    }`,
    hint: pip
      ? "add the package to the env's configuration (dependencies, requirements) and run `prime`"
      : `install ${cmd} into the env: add it to dependencies, requirements or dependency_groups`,
  };
}
