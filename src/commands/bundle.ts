/**
 * `prime bundle ENTRY --output DIR`: chooses the env (the script's or the repo's),
 * checks ENTRY and DIR before the long sync, syncs exactly as `prime sync` does, and
 * hands the rest to the bundle pipeline (src/bundle/build.ts).
 */
import { resolve } from "node:path";
import { emptyGroupRequest, type Invocation as CoreInvocation } from "../core/invocation.ts";

import type { Settings } from "../config/types.ts";
import { type Project, requireRoot } from "../project/project.ts";
import { prepareEnv } from "../venv/prepare.ts";
import { ConfigError } from "../core/errors.ts";
import {
  buildBundle,
  bundleIsolation,
  type BundleRequest,
  checkOutput,
  realOrSelf,
} from "../bundle/build.ts";
import { classifyEntry, entryIsScript } from "../bundle/entry.ts";
import { selectDeps } from "../config/dependency_groups.ts";
import { ownCacheSubdir, sha256Hex } from "../core/paths.ts";
import { touchLastUsed } from "../core/warm.ts";

/** An invocation, whatever its command (what is used here: its options and base). */
type Invocation = CoreInvocation<{ kind: string }>;

/**
 * A bundle is a deployment: it leaves out the default groups (dev), which the repo's
 * env holds (settings.ts resolves a bundle's settings so). When that changes what is
 * installed, the bundle is made from an env of its own in the cache (beside the script
 * envs, touched on each use like them), so `prime bundle`
 * and `prime run` never rebuild `.venv` back and forth. Null: the repo's env serves.
 */
function deploymentEnv(
  inv: Invocation,
  cache: string,
  s: Settings,
): Parameters<typeof prepareEnv>[2] | null {
  if (!s.declaredDeps || !s.deps) return null;
  const everyday = selectDeps(s.declaredDeps, inv.overrides.groups ?? emptyGroupRequest());
  if (everyday.groups.join("\0") === s.deps.groups.join("\0")) return null;
  return {
    label: "the bundle's env (no default groups)",
    venvDirFor: async (py) => {
      const key = await sha256Hex(
        [s.refRoot, s.env ?? "", s.deps!.groups.join(","), s.deps!.extras.join(","), py.realPath]
          .join("\0"),
      );
      // Beside the script envs, so `prime gc` removes it once unused.
      return `${ownCacheSubdir(`${cache}/scripts`)}/bundle-${key.slice(0, 24)}`;
    },
  };
}

/** Runs `prime bundle`. */
export async function bundleCommand(
  inv: Invocation,
  req: BundleRequest,
): Promise<number> {
  // A script entry uses the env `prime SCRIPT` would: its PEP 723 script env, or the
  // repo env found from the script's own directory.
  let p: Project;
  let s0: Settings;
  let prepOpts: Parameters<typeof prepareEnv>[2] = {};
  if (req.entry !== null && entryIsScript(req.entry)) {
    const { resolveScript } = await import("./script.ts");
    const t = await resolveScript(inv, req.entry);
    if (t.kind === "block") {
      p = t.project;
      s0 = t.settings;
      prepOpts = { label: `the script env of ${req.entry}`, venvDirFor: t.venvDirFor };
    } else if (t.project.refRoot === null) {
      throw new ConfigError(
        `bundle: ${req.entry} has no PEP 723 block, and no prime.toml or pyproject.toml is in its directory or above`,
        "give it a `# /// script` block with its dependencies, or run `prime init` in its repo",
      );
    } else {
      p = t.project;
      s0 = t.project.settings;
    }
  } else {
    p = await requireRoot(inv, "bundle");
    s0 = p.settings;
  }
  if (p.refRoot !== null && !prepOpts.venvDirFor) {
    prepOpts = deploymentEnv(inv, p.cache, s0) ?? prepOpts;
  }
  const iso = bundleIsolation(s0);
  const entry = req.entry === null ? null : classifyEntry(req.entry);
  // A DIR that is a symlink keeps its link: the bundle goes where it points.
  const out = req.output === null ? null : realOrSelf(resolve(req.output));
  if (out !== null) checkOutput(out, s0);

  const prepared = await prepareEnv(p, s0, prepOpts);
  // A cached env (the script's, or the deployment's): used now, as far as gc knows.
  if (prepOpts.venvDirFor) touchLastUsed(prepared.inputs.venvDir);
  return await buildBundle(req, {
    prepared,
    entry,
    out,
    iso,
    cache: p.cache,
    offline: inv.options.offline,
  });
}
