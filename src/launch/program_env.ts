/** The environment a program runs with. Pure: the caller passes the inherited env. */

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

/** Variables that could inject code into the program or point it at another Python. */
const REMOVED = ["PYTHONHOME", "PYTHONPATH"];

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
  for (const k of REMOVED) delete out[k];
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

/** The most nested prime starts allowed before prime refuses (a runaway shebang). */
export const MAX_DEPTH = 16;

/** Resolves `prime run CMD`: python names mean the venv's python with -I. */
export function resolveRunCommand(
  cmd: string,
  venvDir: string | null,
  pathDirs: string[],
  isExecutable: (p: string) => boolean,
): { program: string; prefixArgs: string[] } | null {
  if (venvDir && /^python(3(\.\d+)?)?$/.test(cmd)) {
    return { program: `${venvDir}/bin/python`, prefixArgs: ["-I"] };
  }
  if (cmd.includes("/")) return isExecutable(cmd) ? { program: cmd, prefixArgs: [] } : null;
  const dirs = venvDir ? [`${venvDir}/bin`, ...pathDirs] : pathDirs;
  for (const d of dirs) {
    if (!d) continue;
    const p = `${d}/${cmd}`;
    if (isExecutable(p)) return { program: p, prefixArgs: [] };
  }
  return null;
}
