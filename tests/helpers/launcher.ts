/**
 * Copies of scripts/prime and the sources it runs, for the tests of its two bundles
 * (src/.build/warm.js and the cold bundle src/.build/cli.N/): each test builds, breaks
 * and rebuilds its own copy, never the repo's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { NOBODY, REPO, testEnv, worksAsNobody } from "./fixtures.ts";
import { need, requires, type Skip } from "./requires.ts";

/** A copy of what scripts/prime runs (no .build), with its tools in `tools`. */
export async function copyLauncher(tools: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "prime-launcher-" });
  for (const f of ["deno.json", "deno.lock", "main.ts"]) {
    await Deno.copyFile(join(REPO, f), join(root, f));
  }
  for (const d of ["src", "scripts"]) {
    const out = await new Deno.Command("cp", { args: ["-R", join(REPO, d), root] }).output();
    assert.ok(out.success, `cp ${d}`);
  }
  await Deno.remove(join(root, "src", ".build"), { recursive: true }).catch(() => {});
  await Deno.symlink(tools, join(root, ".tools"));
  return root;
}

/** The pinned Deno's tools dir (the one this test runs with, scripts/test's). */
export function realTools(): string {
  return Deno.realPathSync(join(REPO, ".tools"));
}

/**
 * A tools dir whose deno fails `bundle` (as offline before esbuild was fetched) and
 * runs the real one otherwise; each bundle attempt adds a line to `log`.
 */
export async function failingBundleTools(): Promise<{ tools: string; log: string }> {
  const tools = await Deno.makeTempDir({ prefix: "prime-tools-" });
  const log = join(tools, "bundle.log");
  await Deno.mkdir(join(tools, "deno-2.9.6"));
  await Deno.writeTextFile(
    join(tools, "deno-2.9.6", "deno"),
    `#!/bin/sh\nif [ "$1" = bundle ]; then echo x >>'${log}'; exit 1; fi\nexec '${
      join(realTools(), "deno-2.9.6", "deno")
    }' "$@"\n`,
    { mode: 0o755 },
  );
  await Deno.symlink(join(realTools(), "deno_dir"), join(tools, "deno_dir"));
  return { tools, log };
}

/**
 * Root and setpriv, to run a copy as the uid 65534 (fixtures.ts AS_NOBODY), and a pinned
 * Deno that uid can run (a fresh clone under a 0700 `mktemp -d` installs its tools where
 * no other user reaches), or the skip.
 */
export const AS_NOBODY_SKIP: Skip = requires(
  need(worksAsNobody("/bin/true", []), "needs root and setpriv, to run as the uid 65534"),
  need(
    // test -x looks the path up as that uid (running it proved nothing here: setpriv
    // started a Deno below a 0700 directory that `stat` as the same uid was refused).
    worksAsNobody("test", ["-x", join(realTools(), "deno-2.9.6", "deno")]),
    "the uid 65534 cannot reach the pinned Deno (a clone under a private directory)",
  ),
);

/**
 * Makes the copy `root` readable by every user and writable by its owner only (another
 * user's checkout), and returns an environment for NOBODY with a cache of their own.
 */
export async function shareWithNobody(root: string): Promise<Record<string, string>> {
  await new Deno.Command("chmod", { args: ["-R", "a+rX,go-w", root] }).output();
  const cache = await Deno.makeTempDir();
  await Deno.chown(cache, NOBODY, NOBODY);
  return testEnv(join(cache, "c"), { HOME: cache });
}
