/** The install plan: what goes into a venv, in the SPEC's order. */
import type { Settings } from "../config/types.ts";
import type { InstallPlan } from "../drivers/driver.ts";
import { ConfigError } from "../errors.ts";

/** Builds the plan from resolved settings. Pure. */
export function buildInstallPlan(s: Settings): InstallPlan {
  return {
    constraints: s.constraintsFile,
    requirements: [...s.requirements],
    dependencies: [...s.dependencies],
    groupRequirements: [...s.groupRequirements],
    editables: [...s.projectDirs],
    installArgs: [...s.installArgs],
  };
}

/** Whether the plan installs anything at all. */
export function planIsEmpty(p: InstallPlan): boolean {
  return p.requirements.length === 0 && p.dependencies.length === 0 &&
    p.groupRequirements.length === 0 && p.editables.length === 0;
}

/** The installer arguments for a plan (shared by pip and uv: both read pip's syntax). */
export function installerArgs(p: InstallPlan): string[] {
  const args: string[] = [];
  if (p.constraints) args.push("-c", p.constraints);
  for (const r of p.requirements) args.push("-r", r);
  args.push(...p.dependencies, ...p.groupRequirements);
  for (const e of p.editables) args.push("-e", e);
  args.push(...p.installArgs);
  return args;
}

const NESTED = /^\s*(-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(\S+)/;

/** The `-r`/`-c` files a requirements file names, resolved against its directory. Pure. */
export function nestedRequirementFiles(text: string, file: string): string[] {
  const dir = file.slice(0, file.lastIndexOf("/")) || "/";
  const out: string[] = [];
  for (const line of text.replace(/\\\r?\n/g, " ").split(/\r?\n/)) {
    const m = NESTED.exec(line);
    if (!m) continue;
    const target = m[2];
    if (/^[a-z]+:\/\//i.test(target)) continue;
    out.push(target.startsWith("/") ? target : normalize(`${dir}/${target}`));
  }
  return out;
}

function normalize(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return "/" + parts.join("/");
}

const LOCAL_PROJECT = /^\s*(?:(?:-e|--editable)(?:\s*=\s*|\s+))?((?:\.{1,2}\/|\/|file:)\S*)/;

/**
 * Local projects a requirements file installs (`-e ./pkg`, `./pkg`, `file:../lib`),
 * resolved against its directory: their pyproject.toml/setup.* are inputs of the env
 * too. Pure.
 */
export function localProjectDirs(text: string, file: string): string[] {
  const dir = file.slice(0, file.lastIndexOf("/")) || "/";
  const out: string[] = [];
  for (const raw of text.replace(/\\\r?\n/g, " ").split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, "");
    const m = LOCAL_PROJECT.exec(line);
    if (!m) continue;
    let target = m[1].replace(/^file:(\/\/)?/, "").replace(/[#\[;].*$/, "");
    if (target === "" || /\.(whl|zip|tar\.gz|tgz)$/.test(target)) continue;
    if (!target.startsWith("/")) target = normalize(`${dir}/${target}`);
    out.push(target);
  }
  return out;
}

/**
 * Every requirements/constraints file reachable from `roots` through nested -r/-c,
 * roots included, each once. A missing nested file is a ConfigError (exit 3).
 */
export async function collectRequirementFiles(roots: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const order: string[] = [];
  const visit = async (file: string, from: string | null) => {
    if (seen.has(file)) return;
    seen.add(file);
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new ConfigError(
          `requirements file not found: ${file}${from ? ` (named in ${from})` : ""}`,
          "create it or remove the reference",
        );
      }
      throw new ConfigError(`cannot read ${file}: ${e instanceof Error ? e.message : e}`);
    }
    order.push(file);
    for (const n of nestedRequirementFiles(text, file)) await visit(n, file);
  };
  for (const r of roots) await visit(r, null);
  return order;
}
