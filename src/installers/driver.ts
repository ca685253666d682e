/** The driver interface shared by the pip and uv drivers. */
import type { VenvDriverName } from "../config/types.ts";
import type { PythonInfo } from "../python/types.ts";
import type { Runner } from "../process.ts";
import type { InstallPlan } from "../deps/plan.ts";

/** Everything a driver needs for one build. */
export interface BuildContext {
  venvDir: string;
  /** The venv's prompt (its name as users know it, `.venv`, not the build's directory). */
  prompt?: string;
  /** Installers run here (the ref root), so relative paths in install_args work. */
  cwd: string;
  python: PythonInfo;
  plan: InstallPlan;
  runner: Runner;
  cacheDir: string;
  offline: boolean;
  /**
   * A stable path (a link) that names `venvDir` while installing: installers that cache
   * what they learn of an interpreter by its path (uv) are given this one.
   */
  installPath?: string;
  /** Stream installer output to stderr (-vv). */
  echo: boolean;
  /**
   * Shows per-package progress (`3/15 numpy`) on a terminal; unset off one, where the
   * installers run exactly as they would without it.
   */
  progress?: (detail: string) => void;
}

/** Creates a venv and installs a plan into it. */
export interface VenvDriver {
  name: VenvDriverName;
  /** Tool version recorded in the stamp (pip's or uv's). */
  toolVersion: string;
  /** @throws VenvError (exit 5) */
  create(ctx: BuildContext): Promise<void>;
  /** @throws InstallError (exit 6) */
  install(ctx: BuildContext): Promise<void>;
  /**
   * One step that creates the venv at `ctx.venvDir` and installs the plan (the uv
   * driver's `uv sync` of a project with a uv.lock), or null when the plan needs more
   * than that step can do. The step resolves false when it made nothing after all (uv
   * found the lock stale): create() then install() build the env, and report. The
   * step shows per-package progress through `progress`, as install() through ctx.progress.
   * @throws InstallError (exit 6)
   */
  createAndInstall?(
    ctx: BuildContext,
  ): ((progress?: BuildContext["progress"]) => Promise<boolean>) | null;
}

/**
 * The environment an installer runs with, on top of prime's: the venv as if activated
 * (its bin first on PATH, VIRTUAL_ENV), as `source .venv/bin/activate && pip install`
 * would have it. With --no-build-isolation, build backends look up their tools on PATH
 * (meson-python runs `meson`, scikit-build-core `cmake`), and those were just
 * installed into the venv; with isolation, pip and uv put the build env first anyway.
 */
export function activatedEnv(
  venvDir: string,
  path: string | undefined = Deno.env.get("PATH"),
): Record<string, string> {
  return { VIRTUAL_ENV: venvDir, PATH: path ? `${venvDir}/bin:${path}` : `${venvDir}/bin` };
}
