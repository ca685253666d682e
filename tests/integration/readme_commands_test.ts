/**
 * No pasted command is wrong: every shell command of README.md's ```sh blocks and of
 * docs/commands.md's (the quick start of every command) is run, as written, in a temp copy of
 * the repo, each in the directory it is meant for (the clone's root for `./scripts/...`,
 * the bundled example for the `prime ...` lines, with `prime` on PATH as the README's
 * install says). What cannot run here is named in SKIP with the reason, and the test
 * fails if a skipped command no longer appears (so the list cannot rot).
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { makeWheel, REPO, testEnv } from "../helpers/fixtures.ts";

/** Commands that cannot run here, and why. Keys are the command as written. */
const SKIP: Record<string, string> = {
  "curl -fsSL https://github.com/prime-dev/prime/releases/latest/download/install.sh | sh":
    "the release download: prime-dev/prime is a placeholder host (install.sh has its own tests)",
  "./scripts/test":
    "the whole suite, which holds this test; its launcher is run on one file instead",
  "source <(prime completions zsh)":
    "zsh syntax (compdef); cli_habits_test.ts loads it in a real zsh",
};

/** The ```sh blocks of a markdown text, as command lines (comments and blanks dropped). */
export function shellCommands(markdown: string, firstOnly = false): string[] {
  const out: string[] = [];
  for (const m of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    for (const line of m[1].split("\n")) {
      // A comment starts at ` #` outside quotes: the commands here quote no `#`.
      const cmd = line.replace(/\s+#\s.*$/, "").trim();
      if (cmd && !cmd.startsWith("#")) out.push(cmd);
    }
    if (firstOnly) break;
  }
  return out;
}

/** Copies the repo's tracked files (as they are in the work tree) into a temp dir. */
async function tempClone(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "prime-readme-" });
  const ls = await new Deno.Command("git", { args: ["ls-files", "-z"], cwd: REPO, stdout: "piped" })
    .output();
  assert.ok(ls.success, "git ls-files");
  for (const rel of new TextDecoder().decode(ls.stdout).split("\0").filter(Boolean)) {
    const from = join(REPO, rel);
    let st: Deno.FileInfo;
    try {
      st = Deno.lstatSync(from);
    } catch {
      continue; // deleted in the work tree
    }
    await Deno.mkdir(join(dir, dirname(rel)), { recursive: true });
    if (st.isSymlink) await Deno.symlink(Deno.readLinkSync(from), join(dir, rel));
    else await Deno.copyFile(from, join(dir, rel));
  }
  // The pinned toolchain, as a first run of scripts/deno would have installed it (the
  // README's "after that first run"): linked, so no download happens here.
  await Deno.symlink(Deno.realPathSync(join(REPO, ".tools")), join(dir, ".tools"));
  return dir;
}

async function sh(cmd: string, cwd: string, env: Record<string, string>) {
  const out = await new Deno.Command("bash", {
    args: ["-c", cmd],
    cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("shellCommands() takes each line of the sh blocks, without comments", () => {
  const md = 'x\n```sh\na b   # c\n\n# d\ne "$(f)"\n```\n```toml\nk = 1\n```\n```sh\ng\n```\n';
  assert.deepEqual(shellCommands(md), ["a b", 'e "$(f)"', "g"]);
  assert.deepEqual(shellCommands(md, true), ["a b", 'e "$(f)"']);
});

Deno.test({
  name: "every command of README.md and docs/commands.md runs as written in a temp clone",
  ignore: (() => {
    try {
      return !Deno.statSync(join(REPO, ".tools")).isDirectory;
    } catch {
      return true;
    }
  })(),
  async fn() {
    const readme = shellCommands(Deno.readTextFileSync(join(REPO, "README.md")));
    const quick = shellCommands(Deno.readTextFileSync(join(REPO, "docs", "commands.md")));
    const all = [...new Set([...readme, ...quick])];
    for (const cmd of Object.keys(SKIP)) {
      assert.ok(all.includes(cmd), `SKIP names a gone command: ${cmd}`);
    }

    const clone = await tempClone();
    const home = await Deno.makeTempDir({ prefix: "prime-readme-home-" });
    await Deno.mkdir(join(home, ".local", "bin"), { recursive: true });
    await Deno.mkdir(join(home, ".config", "fish", "completions"), { recursive: true });
    const example = join(clone, "examples", "hello");
    // What the commands assume of the repo they run in: a script with a PEP 723 block
    // (`prime info tool.py`), an env named dev (`prime -e dev sync`, `prime use dev`), and
    // pytest in the env (`prime run pytest -x`: a stand-in wheel with a console script).
    await Deno.writeTextFile(
      join(example, "tool.py"),
      '# /// script\n# dependencies = []\n# ///\nprint("tool")\n',
    );
    await makeWheel(join(example, "wheels"), "pytest", "0.0.1", [], undefined, ["pytest"]);
    const toml = join(example, "prime.toml");
    await Deno.writeTextFile(
      toml,
      Deno.readTextFileSync(toml).replace(
        'dependencies = ["greeting==1.0"]',
        'dependencies = ["greeting==1.0", "pytest"]',
      ) +
        "\n[env.dev]\n",
    );
    const env = {
      ...testEnv(await Deno.makeTempDir()),
      HOME: home,
      PATH: `${home}/.local/bin:${Deno.env.get("PATH")}`,
      SHELL: "/bin/sh",
    };
    const failures: string[] = [];
    const ran: string[] = [];
    for (const cmd of all) {
      if (SKIP[cmd]) continue;
      // `./scripts/...` and the install link run at the clone's root; `prime init`
      // in a new directory (it never overwrites); the rest in the example repo.
      const atRoot = cmd.startsWith("./scripts/") || cmd.startsWith("ln -s");
      const cwd = atRoot
        ? clone
        : cmd === "prime init"
        ? await Deno.makeTempDir({ prefix: "prime-readme-init-" })
        : example;
      const r = await sh(cmd, cwd, env);
      ran.push(cmd);
      if (r.code !== 0) failures.push(`${cmd} (in ${cwd}): exit ${r.code}\n${r.stderr}${r.stdout}`);
    }
    // The suite's launcher, on one file.
    const one = await sh("./scripts/test tests/unit/docs_test.ts", clone, env);
    if (one.code !== 0) {
      failures.push(`./scripts/test tests/unit/docs_test.ts: exit ${one.code}\n${one.stderr}`);
    }
    assert.deepEqual(failures, []);
    assert.equal(ran.length, all.length - Object.keys(SKIP).length);
    // The README's install link works as prime from any directory.
    const linked = await sh("prime --version", home, env);
    assert.equal(linked.code, 0, linked.stderr);
    assert.match(linked.stdout, /^prime \d/);
  },
});
