/**
 * The pip driver. The venv is made with `venv --without-pip` (about 50 ms, where
 * ensurepip costs about 4 s and is missing on Debian), and pip then runs from one
 * shared copy outside the venv, installing into it:
 *   1. the interpreter's own bundled pip wheel (ensurepip/_bundled), else Debian's
 *      /usr/share/python-wheels, the first whose Requires-Python admits the
 *      interpreter, unpacked once into the cache and run by the venv's python;
 *   2. else the base interpreter's installed pip with `--python <venv python>`.
 * So the venv holds only what the project asked for, like a uv venv.
 */
import { activatedEnv, type BuildContext, type VenvDriver } from "./driver.ts";
import { InstallError } from "../core/errors.ts";
import { createFailure, installFailure } from "./failure.ts";
import { installPhases, phaseNote, planIsEmpty } from "../deps/plan.ts";
import { exitText } from "../process.ts";
import * as log from "../log.ts";
import { venvPython } from "../core/paths.ts";
import { type Watch, watchPip } from "./progress.ts";
import type { PipLauncher } from "../python/pip.ts";

/**
 * On a terminal: pip's progress bar off (its log lines are read instead) and, from pip
 * 23 on (where `--report` is no longer experimental), the resolved set as JSON in a temp
 * file, which prime reads when pip starts installing. Adds to `args`.
 */
function pipWatch(ctx: BuildContext, version: string, args: string[]): Watch {
  args.push("--progress-bar", "off");
  let report: string | null = null;
  const major = Number(version.split(".")[0]);
  if (major >= 23 && !args.includes("--report")) {
    report = `${Deno.makeTempDirSync({ prefix: "prime-pip-report-" })}/report.json`;
    args.push("--report", report);
  }
  const w = watchPip(ctx.venvDir, report, ctx.progress!);
  return {
    line: w.line,
    stop() {
      w.stop();
      if (report !== null) {
        try {
          Deno.removeSync(report.replace(/\/report\.json$/, ""), { recursive: true });
        } catch { /* already gone */ }
      }
    },
  };
}

/** The first pip with `--uploaded-prior-to` (uv's `--exclude-newer`). */
const PIP_UPLOADED_PRIOR_TO_SINCE = 26;

/**
 * install_args as this pip takes them: uv's `--exclude-newer DATE` (from a PEP 723
 * block's `[tool.uv] exclude-newer`, or install_args) becomes pip's
 * `--uploaded-prior-to DATE`. Pure.
 * @throws InstallError (exit 6) when this pip has no such option: installing without the
 * cut-off would install something newer than the script asks for.
 */
export function pipInstallArgs(args: string[], pipVersion: string): string[] {
  const at = args.findIndex((a) => a === "--exclude-newer" || a.startsWith("--exclude-newer="));
  if (at < 0) return args;
  const major = Number(pipVersion.split(".")[0]);
  if (!(major >= PIP_UPLOADED_PRIOR_TO_SINCE)) {
    const value = args[at].includes("=") ? args[at].split("=").slice(1).join("=") : args[at + 1];
    throw new InstallError(
      `exclude-newer = "${value}" cannot be applied: pip ${pipVersion} has no --uploaded-prior-to (pip ${PIP_UPLOADED_PRIOR_TO_SINCE}.0 and later have it)`,
      {
        hint:
          'build with uv (venv_driver = "venv_uv", or PRIME_VENV_DRIVER=venv_uv), which applies it as --exclude-newer, or drop exclude-newer',
      },
    );
  }
  return args.map((a) =>
    a === "--exclude-newer"
      ? "--uploaded-prior-to"
      : a.startsWith("--exclude-newer=")
      ? a.replace("--exclude-newer=", "--uploaded-prior-to=")
      : a
  );
}

/** Creates the pip driver for a given launcher. */
export function createPipDriver(pip: PipLauncher): VenvDriver {
  return {
    name: "venv_pip",
    toolVersion: `pip ${pip.version}`,
    async create(ctx) {
      const prompt = ctx.prompt ? ["--prompt", ctx.prompt] : [];
      const args = ["-I", "-m", "venv", "--without-pip", ...prompt, ctx.venvDir];
      log.trace(`$ ${ctx.python.path} ${args.join(" ")}`);
      // No supervisor (one more Python start): `venv --without-pip` downloads and
      // builds nothing, and writes only into this build's unpublished generation.
      const r = await ctx.runner(ctx.python.path, args, {
        echo: ctx.echo,
        timeoutMs: 300_000,
      });
      if (r.code !== 0) {
        throw createFailure(
          "pip",
          `creating the venv ${ctx.venvDir} failed: venv exited ${exitText(r)}`,
          `${ctx.python.path} ${args.join(" ")}`,
          r,
          'check that the interpreter\'s venv module works, or try venv_driver = "venv_uv"',
        );
      }
    },
    async install(ctx) {
      if (planIsEmpty(ctx.plan)) return;
      const { program, args } = pip.prefix(venvPython(ctx.venvDir));
      const phases = installPhases(ctx.plan);
      for (const [i, phase] of phases.entries()) {
        const full = [
          ...args,
          "install",
          "--disable-pip-version-check",
          "--no-input",
          ...pipInstallArgs(phase.args, pip.version),
        ];
        if (ctx.offline && !full.includes("--no-index")) full.push("--no-index");
        const watch = ctx.progress ? pipWatch(ctx, pip.version, full) : null;
        log.trace(`$ ${program} ${full.join(" ")}`);
        const r = await ctx.runner(program, full, {
          echo: ctx.echo,
          cwd: ctx.cwd,
          env: { PIP_NO_INPUT: "1", ...activatedEnv(ctx.venvDir) },
          dieWithPrime: ctx.python.path,
          onLine: watch?.line,
        }).finally(() => watch?.stop());
        if (r.code !== 0) {
          const which = phaseNote(phases, i);
          throw installFailure(
            "pip",
            `pip exited ${exitText(r)}${which}`,
            `${program} ${full.join(" ")}`,
            r,
            Deno.env.toObject(),
            { offline: ctx.offline },
          );
        }
      }
    },
  };
}
