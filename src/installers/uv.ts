/**
 * The uv driver: one `uv sync` for a project whose uv.lock decides the env, else
 * `uv venv`, then one `uv pip install` of the whole plan. uv writes
 * `uv = <version>` into the venv's pyvenv.cfg itself, which marks a uv-built venv.
 * The user's UV_* variables and uv.toml stay in force (the runner inherits the
 * environment); uv does not read pip's configuration, so prime translates it
 * (pip_config.ts) into flags and variables wherever uv has no setting of its own.
 */
import type { PythonRequest } from "../pypa/specifier.ts";
import { activatedEnv, type BuildContext, type VenvDriver } from "./driver.ts";
import type { InstallPlan, LockInPlan } from "../deps/plan.ts";
import { pathWithoutShims } from "../uv/obtain.ts";
import type { UvTool } from "../uv/release.ts";
import {
  admitsMinorAtLeast,
  admitsOnlyOlderThanMin,
  MIN_PYTHON,
  OLDER_THAN_MIN_HINT,
} from "../pypa/specifier.ts";
import { PythonNotFoundError } from "../core/errors.ts";
import { createFailure, installFailure } from "./failure.ts";
import { installerArgs, installPhases, phaseNote, planIsEmpty } from "../deps/plan.ts";
import { exitText, run, type Runner, type RunResult, tail } from "../process.ts";
import { parse as parseToml } from "smol-toml";
import { readPipSettings, readUvOwn, uvArgsFromPip, type UvFromPip } from "../pypa/pip_config.ts";
import * as log from "../log.ts";
import { sha256Hex, venvPython } from "../core/paths.ts";
import { lstatOrNull } from "../core/files.ts";
import { readMemo, writeMemo } from "../state/memo.ts";
import { uvCacheDir, watchUv } from "./progress.ts";
import { exportSourceArgs, uvLockSelectionArgs } from "../deps/locks.ts";

/** The arguments of `uv venv` for a build. */
export function uvVenvArgs(
  ctx: Pick<BuildContext, "venvDir" | "python" | "offline" | "prompt">,
): string[] {
  // --allow-existing matches `python -m venv` on an existing dir; the python is a
  // path, so uv must never download one here. --quiet: its "Activate with: source
  // <dir>/bin/activate" would name the generation, never what users activate (.venv).
  const args = ["venv", "--quiet", "--allow-existing", "--no-python-downloads"];
  if (ctx.offline) args.push("--offline");
  if (ctx.prompt) args.push("--prompt", ctx.prompt);
  args.push("--python", ctx.python.path, ctx.venvDir);
  return args;
}

/**
 * The user's pip settings (PIP_*, every pip.conf) as uv flags and variables, for uv
 * run in `cwd` (whose uv.toml or [tool.uv] uv reads).
 */
export function uvSettingsFromPip(
  cwd: string,
  installArgs: string[],
  env: Record<string, string | undefined> = Deno.env.toObject(),
): UvFromPip {
  const own = readUvOwn(env, cwd, (text) => parseToml(text) as Record<string, unknown>);
  return uvArgsFromPip(readPipSettings(env), env, own, installArgs);
}

/**
 * uv's own settings in force for uv run in `cwd`: the UV_* variables (names only:
 * values may hold credentials) and the keys of uv's configuration files, each with
 * where it comes from.
 */
export function uvOwnSettings(
  cwd: string,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Array<{ setting: string; source: string }> {
  const out = Object.keys(env).filter((k) => k.startsWith("UV_") && env[k] !== undefined).sort()
    .map((k) => ({ setting: k, source: "environment" }));
  const own = readUvOwn(env, cwd, (text) => parseToml(text) as Record<string, unknown>);
  for (const [k, file] of Object.entries(own.keys)) out.push({ setting: k, source: file });
  return out;
}

/**
 * The arguments of `uv pip install` for a build: the whole plan in the install order,
 * or one phase of it (installPhases), after the flags translated from pip's settings.
 */
export function uvInstallArgs(
  ctx: Pick<BuildContext, "venvDir" | "plan" | "offline" | "installPath">,
  planArgs: string[] = installerArgs(ctx.plan),
  fromPip: string[] = [],
): string[] {
  const args = ["pip", "install", "--python", venvPython(ctx.installPath ?? ctx.venvDir)];
  if (ctx.offline) args.push("--offline");
  args.push(...fromPip, ...planArgs);
  return args;
}

/** install_args flags that `uv sync` takes with pip's meaning, and whether each takes a value. */
const SYNC_FLAGS: Record<string, boolean> = {
  "--no-index": false,
  "--index-url": true,
  "-i": true,
  "--extra-index-url": true,
  "--find-links": true,
  "-f": true,
  "--index-strategy": true,
  "--allow-insecure-host": true,
  "--keyring-provider": true,
  "--exclude-newer": true,
  "--compile-bytecode": false,
  "--link-mode": true,
  "--no-build": false,
};

/**
 * Why a plan cannot be built by one `uv sync`, or null when it can: the env must be
 * exactly what uv.lock gives for its groups (and, in a workspace, its members), with
 * the project itself when it is packaged; anything prime adds on top (its own
 * requirements, dependencies, constraints, an editable elsewhere, an install_args flag
 * `uv sync` does not take) needs `uv pip install`. `refRoot` is the lock's project. Pure.
 */
export function uvSyncBlocker(plan: InstallPlan, refRoot: string): string | null {
  const lock = plan.lock;
  if (!lock || lock.kind !== "uv.lock") return "no uv.lock";
  if (plan.requirements.length > 0) return "requirements files";
  if (plan.constraints !== null) return "a constraints file";
  if (plan.dependencies.length > 0) return "dependencies beside the lock's";
  if (plan.groupRequirements.length > 0) return "group requirements beside the lock's";
  if ((plan.buildRequirements ?? []).length > 0) return "build requirements (--no-build-isolation)";
  for (const e of plan.editables) {
    if (e !== refRoot && !(lock.allPackages && !e.includes("["))) return `the editable ${e}`;
  }
  for (let i = 0; i < plan.installArgs.length; i++) {
    const a = plan.installArgs[i];
    const [flag, inline] = a.startsWith("--") && a.includes("=")
      ? [a.slice(0, a.indexOf("=")), true]
      : [a, false];
    if (!Object.hasOwn(SYNC_FLAGS, flag)) return `install_args ${a}`;
    if (SYNC_FLAGS[flag] && !inline) i++;
  }
  return null;
}

/**
 * The arguments of the `uv sync` that builds an env from its uv.lock: the lock checked
 * against pyproject.toml (`--locked`: prime never re-resolves a lock), the selected
 * interpreter by path, the lock's selection, the sources translated from pip's
 * settings (less `--constraint`, which uv sync does not take: the lock decides the
 * versions), then install_args. The env's path goes in UV_PROJECT_ENVIRONMENT.
 */
export function uvSyncArgs(
  ctx: Pick<BuildContext, "python" | "offline" | "plan">,
  lock: LockInPlan,
  fromPip: string[] = [],
): string[] {
  const args = ["sync", "--locked", "--no-python-downloads"];
  if (ctx.offline) args.push("--offline");
  args.push("--python", ctx.python.path, ...uvLockSelectionArgs(lock));
  args.push(...exportSourceArgs(fromPip), ...ctx.plan.installArgs);
  return args;
}

/**
 * uv variables that would change what `uv sync` does to the env prime asked for: the
 * lock mode (--frozen conflicts with --locked), skipping the sync, the groups (prime's
 * selection is explicit), another env. Unset for that call only.
 */
const SYNC_UNSET = [
  "UV_FROZEN",
  "UV_LOCKED",
  "UV_NO_SYNC",
  "UV_DEV",
  "UV_NO_DEV",
  "UV_NO_DEFAULT_GROUPS",
  "UV_ACTIVE",
  "UV_PYTHON",
];

/**
 * Creates the uv driver for a uv obtained by obtainUv(). `env` is the environment whose
 * pip settings are translated for uv (default Deno.env).
 */
export function createUvDriver(
  uv: UvTool,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): VenvDriver {
  return {
    name: "venv_uv",
    toolVersion: `uv ${uv.version}`,
    async create(ctx) {
      const args = uvVenvArgs(ctx);
      log.trace(`$ ${uv.path} ${args.join(" ")}`);
      // No supervisor (a Python start, the cost of this step again): `uv venv` of a
      // path downloads nothing, runs no build, and writes only into this build's own
      // generation, which nobody publishes if prime dies.
      const r = await ctx.runner(uv.path, args, {
        cwd: ctx.cwd,
        echo: ctx.echo,
        timeoutMs: 300_000,
      });
      if (r.code !== 0) {
        throw createFailure(
          "uv",
          `creating the venv ${ctx.venvDir} failed: uv venv exited ${exitText(r)}`,
          `${uv.path} ${args.join(" ")}`,
          r,
          'run prime with --refresh, or try venv_driver = "venv_pip"',
        );
      }
    },
    createAndInstall(ctx) {
      const blocker = uvSyncBlocker(ctx.plan, ctx.cwd);
      if (blocker !== null) {
        if (ctx.plan.lock) log.debug(`uv sync cannot build this env alone (${blocker})`);
        return null;
      }
      return async (progress) => {
        // A venv that was there before (uv's own, adopted) is never removed below.
        const existed = lstatOrNull(ctx.venvDir) !== null;
        const pip = uvSettingsFromPip(ctx.cwd, ctx.plan.installArgs, env);
        const args = uvSyncArgs(ctx, ctx.plan.lock!, pip.args);
        log.trace(`$ UV_PROJECT_ENVIRONMENT=${ctx.venvDir} ${uv.path} ${args.join(" ")}`);
        // Per-package progress on a terminal, as for uv pip install (see install()).
        const watch = progress ? watchUv(uvCacheDir(env), progress) : null;
        const logEnv: Record<string, string> = watch && env.RUST_LOG === undefined
          ? { RUST_LOG: "uv_installer=debug" }
          : {};
        // From the ref root, whose pyproject.toml and uv.lock uv reads.
        const r = await ctx.runner(uv.path, args, {
          cwd: ctx.cwd,
          echo: ctx.echo,
          env: {
            ...pip.env,
            ...activatedEnv(ctx.venvDir, env.PATH),
            ...logEnv,
            UV_PROJECT_ENVIRONMENT: ctx.venvDir,
          },
          unsetEnv: SYNC_UNSET,
          dieWithPrime: ctx.python.path,
          onLine: watch?.line,
        }).finally(() => watch?.stop());
        if (r.code === 0) return true;
        if (/needs to be updated/i.test(r.stdout + r.stderr)) {
          // A stale lock, or one that records other indexes than pip's settings name:
          // the export route tells them apart and says which (LockStaleError).
          log.debug("uv sync --locked: the lock needs updating; checking it with uv export");
          if (!existed) removeTreeIfAny(ctx.venvDir);
          return false;
        }
        throw installFailure(
          "uv",
          `uv sync exited ${exitText(r)}`,
          `UV_PROJECT_ENVIRONMENT=${ctx.venvDir} ${uv.path} ${args.join(" ")}`,
          r,
          env,
          { offline: ctx.offline },
        );
      };
    },
    async install(ctx) {
      if (planIsEmpty(ctx.plan)) return;
      const pip = uvSettingsFromPip(ctx.cwd, ctx.plan.installArgs, env);
      for (const t of pip.report) {
        log.debug(`pip's ${t.setting} (from ${t.source}): ${t.passed ? `uv gets ${t.to}` : t.to}`);
      }
      // The same calls as the pip driver, so both drivers give the same result.
      const phases = installPhases(ctx.plan);
      for (const [i, phase] of phases.entries()) {
        const args = uvInstallArgs(ctx, phase.args, pip.args);
        log.trace(`$ ${uv.path} ${args.join(" ")}`);
        // From the ref root, so relative paths in install_args and its uv.toml apply.
        // On a terminal, uv names what it must still download (uv_installer at debug
        // level; RUST_LOG only if the user set none), and its cache shows each one done.
        const watch = ctx.progress ? watchUv(uvCacheDir(env), ctx.progress) : null;
        const logEnv: Record<string, string> = watch && env.RUST_LOG === undefined
          ? { RUST_LOG: "uv_installer=debug" }
          : {};
        const r = await ctx.runner(uv.path, args, {
          cwd: ctx.cwd,
          echo: ctx.echo,
          env: { ...pip.env, ...activatedEnv(ctx.venvDir, env.PATH), ...logEnv },
          dieWithPrime: ctx.python.path,
          onLine: watch?.line,
        }).finally(() => watch?.stop());
        if (r.code !== 0) {
          const which = phaseNote(phases, i);
          throw installFailure(
            "uv",
            `uv pip install exited ${exitText(r)}${which}`,
            `${uv.path} ${args.join(" ")}`,
            r,
            env,
            { offline: ctx.offline },
          );
        }
      }
    },
  };
}

function removeTreeIfAny(dir: string): void {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch { /* never made */ }
}

/** `==3.12.*` -> `3.12`, `==3.12.1` -> `3.12.1`; anything else -> null. Pure. */
function exactVersion(spec: string): string | null {
  const m = /^===?\s*(\d+(?:\.\d+){0,2})(\.\*)?$/.exec(spec.trim());
  return m ? m[1] : null;
}

/**
 * A PythonRequest in uv's request syntax (`3.12`, `cpython@3.12`, `pypy@>=3.9`,
 * `3.13t`, `>=3.10,<3.13`). uv cannot combine a range with free-threading, so such a
 * request keeps the range and the caller must check what uv returns. Pure.
 */
export function uvPythonRequest(req: PythonRequest | null): string {
  if (!req) return "3";
  const spec = req.specifier?.replace(/\s+/g, "") || null;
  const exact = spec ? exactVersion(spec) : null;
  let version: string | null;
  if (exact) version = req.freethreaded ? `${exact}t` : exact;
  else if (spec) version = spec;
  else version = req.freethreaded ? "3+freethreaded" : null;
  const impl = req.implementation?.toLowerCase() ?? null;
  if (impl && version) return `${impl}@${version}`;
  return impl ?? version ?? "3";
}

/** What uvFindOrInstallPython needs. */
export interface UvPythonOptions {
  offline: boolean;
  runner?: Runner;
  /** The environment to read PATH and UV_PYTHON_* from (default Deno.env). */
  env?: Record<string, string | undefined>;
  /** prime's cache dir: a failed download is remembered there (none: not remembered). */
  cacheDir?: string;
  /** The ref root, whose uv.toml or [tool.uv] may set python-downloads. */
  projectDir?: string;
}

/** The oldest CPython minor uv can download (python-build-standalone starts at 3.8). */
const UV_DOWNLOAD_MIN_MINOR = 8;

/** How long a failed `uv python install` is remembered. */
const PYTHON_FAILURE_MEMO_MS = 60 * 60 * 1000;

/**
 * uv's python-downloads setting and where it comes from: UV_PYTHON_DOWNLOADS, else
 * `python-downloads` in uv's configuration files, else uv's default (automatic).
 */
export function pythonDownloads(
  env: Record<string, string | undefined>,
  projectDir: string | undefined,
): { value: string; source: string } {
  const v = env.UV_PYTHON_DOWNLOADS?.trim().toLowerCase();
  if (v) return { value: v, source: `UV_PYTHON_DOWNLOADS=${v}` };
  if (projectDir) {
    const own = readUvOwn(env, projectDir, (text) => parseToml(text) as Record<string, unknown>);
    const c = own.values?.["python-downloads"];
    if (typeof c === "string") {
      return {
        value: c.toLowerCase(),
        source: `python-downloads = "${c}" in ${own.keys["python-downloads"]}`,
      };
    }
  }
  return { value: "automatic", source: "uv's default" };
}

/** uv's reason for a failure on one line: its `error:` line and its last `cause:`. Pure. */
export function uvReason(output: string): string {
  const lines = output.split("\n").map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => /^error:/.test(l))?.replace(/^error:\s*/, "") ?? lines[0] ?? "";
  const causes = lines.filter((l) => /^cause:/.test(l)).map((l) => l.replace(/^cause:\s*/, ""));
  const last = causes.at(-1);
  return last && last !== err ? `${err}: ${last}` : err;
}

async function pythonMemoPath(
  cacheDir: string,
  req: string,
  env: Record<string, string | undefined>,
): Promise<string> {
  const basis = JSON.stringify([
    req,
    env.UV_PYTHON_INSTALL_MIRROR ?? "",
    env.UV_PYPY_INSTALL_MIRROR ?? "",
    env.UV_PYTHON_DOWNLOADS_JSON_URL ?? "",
    env.UV_PYTHON_INSTALL_DIR ?? "",
  ]);
  return `${cacheDir}/uv/python-unavailable-${(await sha256Hex(basis)).slice(0, 16)}.json`;
}

function readPythonMemo(path: string): { at: string; reason: string } | null {
  const m = readMemo(path);
  return m === null ? null : { at: m.at, reason: String(m.reason ?? "") };
}

function writePythonMemo(path: string, reason: string): void {
  writeMemo(path, PYTHON_FAILURE_MEMO_MS, { reason });
}

function foundPath(r: RunResult): string | null {
  if (r.code !== 0) return null;
  const line = r.stdout.trim().split("\n").at(-1)?.trim();
  return line && line.startsWith("/") ? line : null;
}

/**
 * The interpreter uv finds for a request (null: any Python 3), installing it (`uv python install`) when
 * none is there. Virtual environments are never returned.
 * @throws PythonNotFoundError (exit 4) when uv has none and cannot install one
 */
export async function uvFindOrInstallPython(
  uv: UvTool,
  request: PythonRequest | null,
  opts: UvPythonOptions,
): Promise<string> {
  const runner = opts.runner ?? run;
  const env = opts.env ?? Deno.env.toObject();
  const childEnv = { PATH: pathWithoutShims(env.PATH) };
  const req = uvPythonRequest(request);
  const what = request?.raw ?? "any Python 3";
  const find = ["python", "find", "--system", "--no-project", "--no-python-downloads", req];
  log.debug(`$ ${uv.path} ${find.join(" ")}`);
  const first = await runner(uv.path, find, { env: childEnv, timeoutMs: 60_000 });
  const found = foundPath(first);
  if (found) return found;
  if (opts.offline) {
    throw new PythonNotFoundError(
      `no interpreter for ${what}: uv found none (${req}) and --offline forbids installing one`,
      { details: tail(first, 5), hint: "install a matching Python, or run without --offline" },
    );
  }
  // Never ask uv for what it cannot supply: its downloads start at CPython 3.8. A
  // request for a Python that does not exist yet (3.99) is uv's to refuse.
  if (request && admitsOnlyOlderThanMin(request.specifier)) {
    throw new PythonNotFoundError(
      `no interpreter for ${what}: prime runs Python ${MIN_PYTHON} and newer`,
      { hint: OLDER_THAN_MIN_HINT },
    );
  }
  if (request && !admitsMinorAtLeast(request.specifier, UV_DOWNLOAD_MIN_MINOR)) {
    throw new PythonNotFoundError(
      `no interpreter for ${what}: uv can only download Python 3.${UV_DOWNLOAD_MIN_MINOR} and newer, so it was not asked`,
      { hint: `install ${what} yourself (pyenv install, the OS)` },
    );
  }
  const downloads = pythonDownloads(env, opts.projectDir);
  if (downloads.value === "never" || downloads.value === "manual") {
    throw new PythonNotFoundError(
      `no interpreter for ${what}: uv found none (${req}), and ${downloads.source} forbids downloading one`,
      {
        hint:
          `install it yourself (\`uv python install ${req}\`, pyenv install), or allow downloads (UV_PYTHON_DOWNLOADS=automatic)`,
      },
    );
  }
  const memo = opts.cacheDir ? await pythonMemoPath(opts.cacheDir, req, env) : null;
  const remembered = memo ? readPythonMemo(memo) : null;
  if (remembered) {
    throw new PythonNotFoundError(
      `no interpreter for ${what}: \`uv python install ${req}\` failed at ${remembered.at} (${remembered.reason}); not tried again for an hour`,
      {
        hint:
          `install a matching Python yourself (pyenv, the OS), or check the network and delete ${memo} to retry now`,
      },
    );
  }
  const install = ["python", "install", req];
  const mirror = env.UV_PYTHON_INSTALL_MIRROR ? ` from ${env.UV_PYTHON_INSTALL_MIRROR}` : "";
  log.info(`prime: installing Python ${req} with uv${mirror}`);
  log.trace(`$ ${uv.path} ${install.join(" ")}`);
  // One attempt: where downloads are impossible, uv's retries cost 6-13 s on every run.
  // pip's cert and proxy reach the download too: a corporate CA is needed for any host.
  const fromPip = uvArgsFromPip(readPipSettings(env), env, { keys: {} }, []).env;
  const installEnv = { ...fromPip, ...childEnv, UV_HTTP_RETRIES: env.UV_HTTP_RETRIES ?? "0" };
  const spin = log.progress(`downloading Python ${req}`, false);
  const inst = await runner(uv.path, install, { env: installEnv, timeoutMs: 900_000 }).finally(
    () => spin.done(),
  );
  if (inst.code !== 0) {
    const reason = uvReason(inst.stderr || inst.stdout) || `exit ${inst.code}`;
    if (memo) writePythonMemo(memo, reason);
    // uv knows its downloads without the network: no download means no such build.
    const noBuild = /No download found/i.test(reason);
    throw new PythonNotFoundError(
      `no interpreter for ${what}: \`uv python install ${req}\`${mirror} failed: ${reason}`,
      {
        details: noBuild ? undefined : tail(inst, 10),
        hint: noBuild
          ? `uv has no build of Python ${req} for this platform (\`uv python list --all-versions\` shows what it has): require a released Python, or install this one yourself (pyenv, the OS)`
          : "install a matching Python yourself (pyenv, the OS), or check the network",
      },
    );
  }
  const again = foundPath(await runner(uv.path, find, { env: childEnv, timeoutMs: 60_000 }));
  if (again) return again;
  throw new PythonNotFoundError(
    `no interpreter for ${what}: uv installed ${req} but cannot find it`,
    { hint: "run `uv python list` to see what uv has" },
  );
}
