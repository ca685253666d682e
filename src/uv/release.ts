/** The uv release prime installs, and the oldest uv it drives. */
import { compareVersions } from "../pypa/specifier.ts";

/** The uv release prime installs (routes 3 and 4). Recorded in the stamp via the driver. */
export const UV_VERSION = "0.13.9";

/** The oldest uv prime drives (it needs `uv venv --allow-existing`, `uv python find --system`). */
export const UV_MIN_VERSION = "0.5.0";

/**
 * sha256 of the UV_VERSION wheels for the platforms prime ships on, as published on
 * PyPI. They let a wheel found in a `--find-links` directory (which carries no hash)
 * be verified too.
 */
export const UV_WHEEL_SHA256: Readonly<Record<string, string>> = {
  "uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl":
    "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19",
  "uv-0.13.9-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl":
    "5435c5ce14a56431208ca0996416d310f1598e8c2c8ba707688985a16bb82dbe",
  "uv-0.13.9-py3-none-manylinux_2_28_aarch64.whl":
    "ecb6028d79dc96fbeafffe5c8af62a7099487ebc05a701e76714eebcffd06375",
  "uv-0.13.9-py3-none-musllinux_1_1_x86_64.whl":
    "2c45530751517d6c3bbc69a19473f6effe47cce047bede01ffd8af7ea7b36b25",
  "uv-0.13.9-py3-none-macosx_10_12_x86_64.whl":
    "c16ed11e013557536b3e60065f1b912f6407bd6518e041b961e23ef9e6b4fbf5",
  "uv-0.13.9-py3-none-macosx_11_0_arm64.whl":
    "66c512266d633bef48384a1f53003f41f2a8e7b36fe6e7fbfd3e0fd52d96fa63",
};

/** The most a uv wheel read from a local directory may hold (0.13.9's are about 20 MB). */
export const UV_WHEEL_MAX_BYTES = 128 * 1024 * 1024;

/** A usable uv. */
export interface UvTool {
  path: string;
  version: string;
}

/** The version in `uv --version` output (`uv 0.13.9 (x86_64-...)`), or null. */
export function parseUvVersion(output: string): string | null {
  const m = /^uv (\d+\.\d+\.\d+\S*)/m.exec(output.trim());
  return m ? m[1] : null;
}

/** Whether version `a` >= `b`, by PEP 440 (so `0.5.0rc1` is older than `0.5.0`). */
export function versionAtLeast(a: string, b: string): boolean {
  try {
    return compareVersions(a, b) >= 0;
  } catch {
    return false;
  }
}
