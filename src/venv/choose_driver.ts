/** Choosing the venv driver: the configured one, else uv when it can be had, else pip. */
import type { VenvDriverName } from "../config/types.ts";
import type { PythonInfo } from "../python/types.ts";
import type { VenvDriver } from "../installers/driver.ts";
// Types only: obtaining uv and each driver (pip's with its wheel reader) are imported
// lazily, on the cold path that needs them.
import type { ObtainUvResult } from "../uv/obtain.ts";
import type { UvTool } from "../uv/release.ts";
import { VenvError } from "../core/errors.ts";
import { run } from "../process.ts";
import * as log from "../log.ts";

/** Obtains uv in docs/how-it-works.md "Obtaining uv" order (PATH, cache, helper venv, wheel). */
export async function getUv(opts: {
  cacheDir: string;
  python: PythonInfo | null;
  installArgs: string[];
  offline: boolean;
  /** Relative --find-links paths in install_args resolve here (the ref root). */
  baseDir?: string;
  retryFailed?: boolean;
}): Promise<ObtainUvResult> {
  const { obtainUv } = await import("../uv/obtain.ts");
  return await obtainUv({ ...opts, runner: run, env: Deno.env.toObject() });
}

/** The driver that will build, decided (and uv obtained) only on the cold path. */
export async function decideDriver(opts: {
  configured: VenvDriverName | null;
  cacheDir: string;
  python: PythonInfo | null;
  installArgs: string[];
  offline: boolean;
  baseDir?: string;
}): Promise<{ name: VenvDriverName; uv: UvTool | null; note?: string }> {
  if (opts.configured === "venv_pip") return { name: "venv_pip", uv: null };
  const uv = await getUv({ ...opts, retryFailed: opts.configured === "venv_uv" });
  if (uv.path !== null) {
    log.debug(`uv ${uv.version} from ${uv.source}: ${uv.path}`);
    return { name: "venv_uv", uv };
  }
  if (opts.configured === "venv_uv") {
    throw new VenvError(`venv_driver is venv_uv, but uv cannot be had: ${uv.tried.join("; ")}`, {
      hint: 'put uv on PATH, allow the download (drop --offline), or set venv_driver = "venv_pip"',
    });
  }
  return {
    name: "venv_pip",
    uv: null,
    note: `uv cannot be had (${uv.tried.join("; ")}), so the venv is built with venv and pip`,
  };
}

/** Builds the driver object for a decided driver. */
export async function makeDriver(
  name: VenvDriverName,
  uv: UvTool | null,
  python: PythonInfo,
  cacheDir: string,
): Promise<VenvDriver> {
  if (name === "venv_uv") {
    if (!uv) throw new VenvError("internal: the uv driver was chosen without uv");
    const { createUvDriver } = await import("../installers/uv.ts");
    return createUvDriver(uv);
  }
  const { findPip } = await import("../python/pip.ts");
  const { createPipDriver } = await import("../installers/pip.ts");
  const pip = await findPip(python, { runner: run, cacheDir });
  if (pip === null) {
    throw new VenvError(
      `no pip found for ${python.path}: its bundled pip wheel is missing and it has no pip >= 22.3`,
      { hint: 'install pip for that Python (python3-pip), or use venv_driver = "venv_uv"' },
    );
  }
  log.debug(`pip ${pip.version} from ${pip.where}`);
  return createPipDriver(pip);
}
