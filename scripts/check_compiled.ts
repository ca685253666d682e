/**
 * The static check of what a `deno compile`d prime must not depend on, over src/:
 *   - a dynamic `import()` whose specifier is not a string literal (the compiled graph
 *     embeds only what Deno can see before running);
 *   - a read of `deno.json`, `deno.lock`, or of a file found through the module's own
 *     location (`import.meta.url`/`dirname`/`filename`): none of these exist beside
 *     the binary;
 *   - `Deno.execPath()`, which in the binary is prime itself, not `deno`.
 * Each allowed exception is listed in ALLOWED with the reason it is safe.
 *
 * Usage: deno run --allow-read scripts/check_compiled.ts [ROOT]   (exit 1 on findings)
 */
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** One line that breaks a rule. */
export interface Finding {
  file: string;
  line: number;
  rule: string;
  text: string;
}

/** Exceptions: the file (relative to the root), the exact code on the line, and why. */
export const ALLOWED: readonly { file: string; code: string; why: string }[] = [
  {
    file: "src/core/warm.ts",
    code: ".then(() => import(cold))",
    why: "runs only under `import.meta.main` of warm.ts, which is scripts/prime's entry; " +
      "the binary enters at main.ts, whose cold path is a literal import (src/cli/entry.ts)",
  },
  {
    file: "src/cli/load.ts",
    code: "return await import(url);",
    why: "each specifier load() takes is named literally in src/cli/entry.ts EMBEDDED, " +
      "which `deno check` keeps complete (its type is keyed by LoadedModules); the other " +
      "URLs (the cold bundle's files, or the sources beside it) come only from coldMain(), " +
      "which runs under `import.meta.main` of main.ts, never the binary's entry",
  },
  {
    file: "src/cli/main.ts",
    code:
      "coldMain(import.meta.url, main).then((run) => run(argv)).then((code) => Deno.exit(code));",
    why: "runs only under `import.meta.main` of main.ts (scripts/prime's cold entry); the " +
      "binary enters at src/cli/entry.ts, where this is false",
  },
  {
    file: "src/cli/help.ts",
    code: "const text = coldHelp(import.meta.url, helpText);",
    why: "runs only under `import.meta.main` of help.ts (scripts/prime's entry for a bare " +
      "--help); the binary enters at src/cli/entry.ts, where this is false",
  },
  {
    file: "src/core/invocation.ts",
    code: "return Deno.execPath();",
    why: "used only when no launcher path is known, to find the directory the binary " +
      "itself sits in; it is never run as `deno`",
  },
];

const RULES: { rule: string; test: (code: string) => boolean }[] = [
  {
    rule: "dynamic import() of a specifier that is not a string literal",
    test: (code) => /\bimport\s*\(\s*(?!["'][^"']*["']\s*\)|`[^`$]*`\s*\))/.test(code),
  },
  {
    rule: "deno.json or deno.lock at run time (the binary has neither)",
    test: (code) => /["'`][^"'`]*deno\.(json|jsonc|lock)\b/.test(code),
  },
  {
    rule: "a path from the module's own location (no src/ beside the binary)",
    test: (code) => /\bimport\.meta\.(url|dirname|filename)\b/.test(code),
  },
  {
    rule: "Deno.execPath() (in the binary it is prime, not deno)",
    test: (code) => /\bDeno\.execPath\s*\(/.test(code),
  },
];

/**
 * The code of each line with comments removed (`//` to the end of the line unless it
 * follows a `:`, as in a URL, and block comments). Line numbers are kept.
 */
export function stripComments(text: string): string[] {
  const out: string[] = [];
  let inBlock = false;
  for (const raw of text.split("\n")) {
    let line = "";
    let i = 0;
    while (i < raw.length) {
      if (inBlock) {
        const end = raw.indexOf("*/", i);
        if (end < 0) {
          i = raw.length;
        } else {
          inBlock = false;
          i = end + 2;
        }
        continue;
      }
      if (raw.startsWith("/*", i)) {
        inBlock = true;
        i += 2;
        continue;
      }
      if (raw.startsWith("//", i) && raw[i - 1] !== ":") break;
      line += raw[i];
      i++;
    }
    out.push(line);
  }
  return out;
}

/** The findings in one file's text; `file` is its path relative to the root. Pure. */
export function checkSource(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  stripComments(text).forEach((code, i) => {
    for (const r of RULES) {
      if (!r.test(code)) continue;
      if (ALLOWED.some((a) => a.file === file && code.trim() === a.code)) continue;
      findings.push({ file, line: i + 1, rule: r.rule, text: code.trim() });
    }
  });
  return findings;
}

/** Every .ts file under dir (tests excluded), relative to root. */
function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(join(root, dir))) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...sourceFiles(root, rel));
    else if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) out.push(rel);
  }
  return out.sort();
}

/** Checks main.ts and src/ under root; returns the findings. */
export function checkTree(root: string): Finding[] {
  const files = ["main.ts", ...sourceFiles(root, "src")];
  return files.flatMap((f) => checkSource(f, Deno.readTextFileSync(join(root, f))));
}

if (import.meta.main) {
  const root = Deno.args[0] ?? join(fileURLToPath(new URL(".", import.meta.url)), "..");
  const findings = checkTree(root);
  for (const f of findings) {
    console.error(`${relative(Deno.cwd(), join(root, f.file))}:${f.line}: ${f.rule}\n  ${f.text}`);
  }
  if (findings.length > 0) {
    console.error(`check_compiled: ${findings.length} finding(s); see the rules in this file`);
    Deno.exit(1);
  }
  console.error("check_compiled: main.ts and src/ depend on nothing a compiled binary lacks");
}
