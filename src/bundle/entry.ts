/** The bundle's entry: a script, a module:function, or a console script of the env. */
import { UsageError } from "../core/errors.ts";
import { basename, isFile, statOrNull } from "../core/files.ts";
import type { Dist } from "./site_packages.ts";

/** An entry, classified. */
export type Entry =
  | { kind: "script"; file: string }
  | { kind: "function"; module: string; function: string; source: string };

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Classifies ENTRY before the (long) sync; console scripts are resolved after it. */
export function classifyEntry(entry: string): Entry | { kind: "console"; name: string } {
  const colon = entry.indexOf(":");
  if (colon >= 0 && !entry.includes("/")) {
    const module = entry.slice(0, colon), fn = entry.slice(colon + 1);
    if (!DOTTED.test(module) || !DOTTED.test(fn)) {
      throw new UsageError(
        `bundle: ${entry} is not a module:function entry`,
        "write it as package.module:function (Python identifiers, dotted)",
      );
    }
    return { kind: "function", module, function: fn, source: entry };
  }
  const st = statOrNull(entry);
  if (st?.isFile) return { kind: "script", file: Deno.realPathSync(entry) };
  if (entry.includes("/") || /\.py$/.test(entry)) {
    throw new UsageError(
      `bundle: script ${entry} not found${st ? " (not a regular file)" : ""}`,
      "pass an existing script, a module:function, or a console script of the project",
    );
  }
  return { kind: "console", name: entry };
}

/** Whether ENTRY names a script file (classifyEntry's rule, without its errors). */
export function entryIsScript(entry: string): boolean {
  return (entry.includes("/") || !entry.includes(":")) && isFile(entry);
}

/**
 * The entry, resolved: a console script becomes the module:function it runs, so no
 * script with the build's absolute shebang is ever needed.
 */
export function resolveEntry(
  entry: Entry | { kind: "console"; name: string } | null,
  dists: Dist[],
): Entry | null {
  if (entry?.kind !== "console") return entry;
  const owners = [...dists].sort((a, b) => Number(b.editable) - Number(a.editable));
  const owner = owners.find((d) => entry.name in d.scripts);
  if (!owner) {
    const known = dists.flatMap((d) => Object.keys(d.scripts)).sort();
    throw new UsageError(
      `bundle: ${entry.name} is neither a file, a module:function, nor a console script of the env`,
      known.length
        ? `console scripts in the env: ${known.join(", ")}`
        : "the env declares no console scripts ([project.scripts])",
    );
  }
  const [module, fn] = owner.scripts[entry.name].split(":").map((x) => x.trim());
  if (!DOTTED.test(module) || !DOTTED.test(fn ?? "")) {
    throw new UsageError(
      `bundle: console script ${entry.name} points at ${
        owner.scripts[entry.name]
      }, not a module:function`,
    );
  }
  return {
    kind: "function",
    module,
    function: fn,
    source: `console script ${entry.name} of ${owner.name}`,
  };
}

/** The bundle's command name: --name, else one taken from the entry. */
export function bundleName(
  name: string | null,
  raw: string | null,
  e: Entry | null,
): string | null {
  const chosen = name ?? defaultName(raw, e);
  if (chosen !== null && (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(chosen))) {
    throw new UsageError(
      `bundle: --name ${chosen} is not a usable command name`,
      "use letters, digits, . _ + -",
    );
  }
  return chosen;
}

function defaultName(raw: string | null, e: Entry | null): string | null {
  if (raw === null || e === null) return null;
  if (e.kind === "script") return basename(e.file).replace(/\.py$/, "");
  if (!raw.includes(":")) return raw;
  return e.module.split(".")[0];
}
