/**
 * Rewrites the warm bundle (src/.build/warm.js) so that V8 compiles all of its functions
 * when it compiles the file, not one by one at their first call. scripts/prime runs it
 * right after `deno bundle`:
 *
 *     deno run --no-config --no-lock --allow-read --allow-write --allow-run \
 *       scripts/eager_bundle.ts BUNDLE
 *
 * Why: V8 compiles a function lazily, at its first call, unless it is parenthesized
 * (its "likely called" hint). Deno keeps a code cache of each module (DENO_DIR's
 * v8_code_cache_v2), but it makes it right after compiling the file, so it holds only
 * what was compiled then: the top level. Every warm start compiled again the hundred or
 * so functions it calls, about 2 ms of its ~6 ms of JavaScript. Parenthesized, they are
 * compiled with the file, cached with it, and read back from the cache.
 *
 * The rewrite, on esbuild's output and nothing else:
 * - each function or arrow expression (not a method, which cannot be parenthesized) is
 *   wrapped in parentheses;
 * - each top-level function declaration becomes `var NAME=(function NAME(...){...});`,
 *   moved to the top of the file in its order: a declaration is initialized before any
 *   statement runs, and so is each of these (a function's body reads other bindings
 *   only when it is called).
 *
 * The syntax tree is Deno's own (SWC's), through a `deno lint` plugin: this file's
 * default export, which reports each node with its byte range. The result is parsed
 * again and written only when it parses and names the same functions; anything else
 * leaves the bundle as it was (correct, only slower), and exits non-zero.
 */

const SCRIPT = new URL(import.meta.url);

/** What the plugin reports: a function node and how to rewrite it. */
type Edit =
  | { kind: "decl"; start: number; end: number; name: string }
  | { kind: "expr"; start: number; end: number };

/** The `deno lint` plugin: one diagnostic per node to rewrite (its message says how). */
const plugin: Deno.lint.Plugin = {
  name: "eager",
  rules: {
    functions: {
      create(ctx) {
        return {
          FunctionDeclaration(node) {
            // Nested declarations are left alone (lazy): they are block-scoped, and
            // esbuild's output for the warm path has none.
            if (node.parent?.type !== "Program" || node.id === null) return;
            ctx.report({ node, message: `decl ${node.id.name}` });
          },
          "FunctionExpression, ArrowFunctionExpression"(node) {
            const p = node.parent;
            if (p?.type === "MethodDefinition") return;
            if (p?.type === "Property" && (p.method || p.kind !== "init")) return;
            ctx.report({ node, message: "expr" });
          },
        };
      },
    },
  },
};
export default plugin;

/** The plugin's reports on `file`, through `deno lint --json` (null: it failed or could not parse). */
async function functionNodes(file: string): Promise<Edit[] | null> {
  const config = `${file}.lint.json`;
  const json = `${file}.lint.out`;
  Deno.writeTextFileSync(
    config,
    JSON.stringify({ lint: { plugins: [SCRIPT.href], rules: { tags: [] } } }),
  );
  try {
    // The report goes to a file, not a pipe: through a pipe, `deno lint` loses what
    // passes 64 KiB when the reader is slow (seen under load: the JSON cut at 65536).
    await new Deno.Command("/bin/sh", {
      args: [
        "-c",
        'exec "$0" lint --json --config "$1" "$2" >"$3"',
        Deno.execPath(),
        config,
        file,
        json,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    const report = JSON.parse(Deno.readTextFileSync(json)) as {
      diagnostics: {
        range: { start: { bytePos: number }; end: { bytePos: number } };
        message: string;
        code: string;
      }[];
      errors: unknown[];
    };
    if (report.errors.length > 0) return null;
    const edits: Edit[] = [];
    for (const d of report.diagnostics) {
      if (d.code !== "eager/functions") return null;
      const start = d.range.start.bytePos;
      const end = d.range.end.bytePos;
      if (d.message === "expr") edits.push({ kind: "expr", start, end });
      else if (d.message.startsWith("decl ")) {
        edits.push({ kind: "decl", start, end, name: d.message.slice(5) });
      } else return null;
    }
    return edits;
  } catch {
    return null;
  } finally {
    for (const f of [config, json]) {
      try {
        Deno.removeSync(f);
      } catch { /* not written */ }
    }
  }
}

const enc = new TextEncoder();

/** The bundle with every function parenthesized and the top-level declarations hoisted. */
export function rewrite(src: Uint8Array, edits: Edit[]): Uint8Array {
  // Parentheses first, as insertions at byte offsets: at one offset, every `)` before
  // any `(` (a node that ends where the next begins).
  const inserts: { at: number; text: string }[] = [];
  for (const e of edits) {
    if (e.kind !== "expr") continue;
    inserts.push({ at: e.start, text: "(" }, { at: e.end, text: ")" });
  }
  inserts.sort((a, b) => a.at - b.at || (a.text === ")" ? -1 : 1));
  const parts: Uint8Array[] = [];
  /** Where each original offset went, for the declarations cut out below. */
  const moved = (at: number, side: "start" | "end") =>
    at + inserts.filter((i) => i.at < at || (side === "end" && i.at === at && i.text === ")"))
      .length;
  let last = 0;
  for (const i of inserts) {
    parts.push(src.subarray(last, i.at), enc.encode(i.text));
    last = i.at;
  }
  parts.push(src.subarray(last));
  const body = concat(parts);
  const decls = edits.filter((e) => e.kind === "decl")
    .map((e) => ({ start: moved(e.start, "start"), end: moved(e.end, "end"), name: e.name }))
    .sort((a, b) => a.start - b.start);
  const head: Uint8Array[] = [];
  const rest: Uint8Array[] = [];
  last = 0;
  for (const d of decls) {
    rest.push(body.subarray(last, d.start));
    head.push(enc.encode(`var ${d.name}=(`), body.subarray(d.start, d.end), enc.encode(");"));
    last = d.end;
  }
  rest.push(body.subarray(last));
  return concat([...head, enc.encode("\n"), ...rest]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}

async function main(bundle: string): Promise<number> {
  // `deno lint` knows a file's syntax by its extension: it reads copies named `.js`.
  const input = `${bundle}.in.js`;
  const output = `${bundle}.out.js`;
  try {
    const src = Deno.readFileSync(bundle);
    Deno.writeFileSync(input, src);
    const edits = await functionNodes(input);
    if (edits === null) return 1;
    Deno.writeFileSync(output, rewrite(src, edits));
    // It parses, with as many functions as before and no declaration left: each is
    // now an expression.
    const again = await functionNodes(output);
    if (again === null || again.length !== edits.length) return 1;
    if (again.some((e) => e.kind === "decl")) return 1;
    Deno.renameSync(output, bundle);
    return 0;
  } finally {
    for (const f of [input, output]) {
      try {
        Deno.removeSync(f);
      } catch { /* renamed, or never written */ }
    }
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args[0]));
