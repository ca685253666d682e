/**
 * What `prime info` shows only with -v or --json, or before the first build: the pip
 * wheel the pip driver would run, where each installer setting comes from, and a uv
 * that needs no download. Its own module, loaded by the CLI's load() (a specifier held
 * in a value): Deno reads the target of every literal `import()` at start-up, so these
 * modules (the wheel reader, the uv driver, uv's obtain and cache) cost every `info`
 * while they were imported from info.ts, even lazily.
 */
import type { PythonInfo } from "../python/types.ts";
import type { Settings } from "../config/types.ts";
import { choosePipWheel } from "../python/pip.ts";
import { uvOwnSettings, uvSettingsFromPip } from "../installers/uv.ts";
import { redactUrl } from "../uv/index_client.ts";
import { pathWithoutShims } from "../uv/obtain.ts";
import { fromCache } from "../uv/cache.ts";
import { findOnPath, pathDirs } from "../core/files.ts";
import type { InfoReport, InstallerSettingReport, VenvReport } from "./info_report.ts";

/** The pip the pip driver would run for this interpreter (shown by -v and --json). */
export function pipReport(python: PythonInfo): NonNullable<VenvReport["pip"]> {
  const c = choosePipWheel(python);
  return {
    version: c.version,
    wheel: c.wheel,
    source: c.source,
    note: c.wheel ? null : "no usable pip wheel: the interpreter's own pip >= 22.3 would run",
    passed_over: c.rejected,
  };
}

/** Where each installer setting comes from (pip's files and variables), and how uv gets it. */
export function installerSettingsReport(
  s: Settings,
): { installer: InstallerSettingReport[]; uv: InfoReport["uv_settings"] } {
  const hidePassword = (v: string) =>
    /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(v) ? redactUrl(v) : v;
  const installer = uvSettingsFromPip(s.refRoot, s.installArgs).report.map((t) => ({
    setting: t.setting,
    // An index URL may carry a password: never shown.
    value: Array.isArray(t.value)
      ? t.value.map(hidePassword)
      : typeof t.value === "string"
      ? hidePassword(t.value)
      : t.value,
    source: t.source,
    uv: t.to,
    passed_to_uv: t.passed,
  }));
  return { installer, uv: uvOwnSettings(s.refRoot) };
}

/** A uv that needs no download: on PATH (as prime searches it) or cached by prime. */
export function localUv(cache: string): string | null {
  return findOnPath("uv", pathDirs(pathWithoutShims(Deno.env.get("PATH")))) ??
    fromCache(cache, [])?.path ?? null;
}
