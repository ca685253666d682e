/**
 * Builds the release binaries: `deno compile` for each target into dist/prime-<target>,
 * then dist/SHA256SUMS over exactly the files built by this run.
 *
 * Usage: deno task compile [--target T]... [T]...
 * With no target, all release targets are built, except when DENORT_BIN is set: a
 * local runtime only fits the host, so then only the host target is built.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as log from "../src/log.ts";
import { run } from "../src/process.ts";
import { fileSha256, writeFileAtomic } from "../src/core/paths.ts";
import { RELEASE_TARGETS } from "../src/release.ts";
import { readGitHead } from "../src/cli/version.ts";

/** Exactly the permissions prime runs with (the same list as scripts/prime). */
export const PRIME_PERMISSIONS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
  "--allow-ffi",
  "--allow-net",
];

/** What the command line asked for. */
export interface CompileRequest {
  /** Targets named on the command line, deduplicated, in order; empty means "the default". */
  targets: string[];
  help: boolean;
}

const USAGE = `usage: deno task compile [--target T]... [T]...
targets: ${RELEASE_TARGETS.join(", ")}
Builds dist/prime-<target> and dist/SHA256SUMS. With DENORT_BIN set (a local deno
runtime), only the host target is built unless targets are named.`;

/** Parses the script's arguments; throws an Error naming the bad argument. */
export function parseCompileArgs(args: string[]): CompileRequest {
  const targets: string[] = [];
  let help = false;
  const add = (t: string) => {
    if (!RELEASE_TARGETS.includes(t)) {
      throw new Error(`unknown target \`${t}\`: expected one of ${RELEASE_TARGETS.join(", ")}`);
    }
    if (!targets.includes(t)) targets.push(t);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-h" || a === "--help") help = true;
    else if (a === "--target") {
      if (i + 1 >= args.length) throw new Error("--target needs a value");
      add(args[++i]);
    } else if (a.startsWith("--target=")) add(a.slice("--target=".length));
    else if (a.startsWith("-")) throw new Error(`unknown option \`${a}\``);
    else add(a);
  }
  return { targets, help };
}

/** The targets to build, given the request, the host target and whether DENORT_BIN is set. */
export function chooseTargets(
  requested: string[],
  hostTarget: string,
  hasDenortBin: boolean,
): string[] {
  if (requested.length > 0) return requested;
  if (hasDenortBin) return RELEASE_TARGETS.includes(hostTarget) ? [hostTarget] : [];
  return [...RELEASE_TARGETS];
}

/** The `deno compile` arguments that build one target. */
export function compileArgs(target: string, output: string, root: string): string[] {
  return [
    "compile",
    "--target",
    target,
    "--output",
    output,
    ...PRIME_PERMISSIONS,
    "--no-prompt",
    "--frozen",
    "--config",
    join(root, "deno.json"),
    join(root, "main.ts"),
  ];
}

/**
 * The reason `deno compile` gave when it could not get its runtime (denort) for a
 * target, or null when the failure was something else (such as a type error).
 */
export function runtimeFailureDetail(stderr: string): string | null {
  // deno colours its output even under some pipes; the patterns below want plain text.
  // deno-lint-ignore no-control-regex
  const text = stderr.replace(/\x1b\[[0-9;]*m/g, "");
  const lines = text.split("\n").map((l) => l.trim());
  const base = lines.findIndex((l) => /Setting up base binary/i.test(l));
  if (base >= 0) {
    // The first cause after "Setting up base binary" is the most complete one-line reason.
    const cause = lines.slice(base + 1).find((l) => /^\d+:\s*\S/.test(l));
    if (cause) return cause.replace(/^\d+:\s*/, "");
    return "the runtime download failed";
  }
  const dl = lines.find((l) => /dl\.deno\.land|denort/i.test(l) && /error/i.test(l));
  return dl ? dl.replace(/^error:\s*/i, "") : null;
}

/** SHA256SUMS text in `sha256sum` format: `<hex>  <name>` per line, sorted by name. */
export function formatSha256Sums(sums: { name: string; hex: string }[]): string {
  return [...sums]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => `${s.hex}  ${s.name}\n`)
    .join("");
}

/** Builds the requested targets; returns the process exit code. */
export async function compileMain(args: string[]): Promise<number> {
  let req: CompileRequest;
  try {
    req = parseCompileArgs(args);
  } catch (e) {
    log.error(`compile: ${(e as Error).message}`);
    log.info(USAGE);
    return 2;
  }
  if (req.help) {
    console.log(USAGE);
    return 0;
  }

  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const dist = join(root, "dist");
  const deno = Deno.execPath();
  const host = Deno.build.target;
  const denortBin = Deno.env.get("DENORT_BIN") || undefined;

  if (denortBin !== undefined) {
    try {
      if (!Deno.statSync(denortBin).isFile) throw new Error("not a file");
    } catch (e) {
      log.error(
        `compile: DENORT_BIN does not name a runtime binary: ${denortBin} (${
          (e as Error).message
        })`,
      );
      return 1;
    }
  }
  const targets = chooseTargets(req.targets, host, denortBin !== undefined);
  if (targets.length === 0) {
    log.error(
      `compile: DENORT_BIN is set but the host (${host}) is not a release target: name the targets to build`,
    );
    return 2;
  }
  if (denortBin !== undefined) {
    if (req.targets.length === 0) {
      log.info(`compile: DENORT_BIN is set; it only fits the host, so building ${host} only`);
    }
    for (const t of targets.filter((t) => t !== host)) {
      log.warn(
        `compile: DENORT_BIN (${denortBin}) is a runtime for ${host}; prime-${t} built with it will not run`,
      );
    }
  }

  await Deno.mkdir(dist, { recursive: true });
  // A SHA256SUMS from an earlier run must not vouch for a dist that this run changes.
  await Deno.remove(join(dist, "SHA256SUMS")).catch(() => {});

  // The binary names its commit in --version (no .git beside it): written into the
  // source for the compile only, and put back whatever happens.
  const infoPath = join(root, "src", "cli", "build_info.ts");
  const infoBefore = Deno.readTextFileSync(infoPath);
  Deno.writeTextFileSync(infoPath, buildInfoSource(infoBefore, readGitHead(root)));
  try {
    return await compileTargets(targets, { root, dist, deno, denortBin });
  } finally {
    Deno.writeTextFileSync(infoPath, infoBefore);
  }
}

/** src/cli/build_info.ts with BUILD_COMMIT set to `commit` (null: left as it is). Pure. */
export function buildInfoSource(source: string, commit: string | null): string {
  if (commit === null) return source;
  return source.replace(
    /^export const BUILD_COMMIT: string \| null = .*;$/m,
    `export const BUILD_COMMIT: string | null = ${JSON.stringify(commit)};`,
  );
}

async function compileTargets(
  targets: string[],
  { root, dist, deno, denortBin }: { root: string; dist: string; deno: string; denortBin?: string },
): Promise<number> {
  const sums: { name: string; hex: string }[] = [];
  for (const target of targets) {
    const name = `prime-${target}`;
    const output = join(dist, name);
    log.info(`compile: building dist/${name}`);
    const env: Record<string, string> = { NO_COLOR: "1" };
    if (denortBin !== undefined) env.DENORT_BIN = denortBin;
    const res = await run(deno, compileArgs(target, output, root), { cwd: root, env });
    if (res.code !== 0) {
      const detail = runtimeFailureDetail(res.stderr);
      if (detail !== null) {
        log.error(
          `deno compile could not get its runtime for ${target}: ${detail}; ` +
            "set DENORT_BIN or run where dl.deno.land is reachable",
        );
      } else {
        log.raw(res.stderr || res.stdout);
        log.error(
          `deno compile failed for ${target}: exit code ${res.code}${
            res.spawnError ? ` (${res.spawnError})` : ""
          }`,
        );
      }
      return 1;
    }
    sums.push({ name, hex: (await fileSha256(output))! });
  }

  // Written to a temp file and renamed, so a reader never sees half a checksum list.
  writeFileAtomic(join(dist, "SHA256SUMS"), formatSha256Sums(sums));
  log.info(`compile: wrote dist/SHA256SUMS (${sums.map((s) => s.name).join(", ")})`);
  return 0;
}

if (import.meta.main) Deno.exit(await compileMain(Deno.args));
