/** The venv dir's mechanics: rewriting a generation's paths, and switching the links. */
import assert from "node:assert/strict";
import {
  installAliasPath,
  isPrimeVenvDir,
  linkInstallAlias,
  nameVenvPath,
  removeInstallAlias,
  replaceAll,
  stageVenvDir,
  switchVenvDir,
} from "../../../src/venv/layout.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("replaceAll() replaces every occurrence, at either end and back to back, or says none", () => {
  const table: [string, string, string, string | null][] = [
    ["#!/r/.prime/.venv.g1/bin/python\n", "/.prime/.venv.g1", "/.venv", "#!/r/.venv/bin/python\n"],
    ["/.prime/.venv.g1/.prime/.venv.g1", "/.prime/.venv.g1", "/.venv", "/.venv/.venv"],
    ["x/.prime/.venv.g12", "/.prime/.venv.g1", "/v", "x/v2"],
    ["//.prime/.venv.g", "/.prime/.venv.g1", "/v", null],
    ["", "/a", "/b", null],
  ];
  for (const [data, from, to, want] of table) {
    const got = replaceAll(enc.encode(data), enc.encode(from), enc.encode(to));
    assert.equal(got === null ? null : dec.decode(got), want, data);
  }
});

Deno.test("nameVenvPath() makes scripts, activate and pyvenv.cfg name the venv path, leaving links and binaries", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  const gen = `${root}/.prime/.venv.gabc`;
  const venv = `${root}/.venv`;
  Deno.mkdirSync(`${gen}/bin`, { recursive: true });
  const files: Record<string, [string, string]> = {
    "bin/serve": [`#!${gen}/bin/python\nimport sys\n`, `#!${venv}/bin/python\nimport sys\n`],
    // pip's and uv's form for a path too long (or with spaces) for a #! line.
    "bin/long": [
      `#!/bin/sh\n'''exec' '${gen}/bin/python' "$0" "$@"\n' '''\n`,
      `#!/bin/sh\n'''exec' '${venv}/bin/python' "$0" "$@"\n' '''\n`,
    ],
    "bin/activate": [`VIRTUAL_ENV='${gen}'\n`, `VIRTUAL_ENV='${venv}'\n`],
    "bin/activate.fish": [`set -gx VIRTUAL_ENV "${gen}"\n`, `set -gx VIRTUAL_ENV "${venv}"\n`],
    "bin/other": ["#!/bin/sh\necho .venv.gabc\n", "#!/bin/sh\necho .venv.gabc\n"],
    "pyvenv.cfg": [
      `home = /py/bin\ncommand = /py/bin/python -m venv ${gen}\n`,
      `home = /py/bin\ncommand = /py/bin/python -m venv ${venv}\n`,
    ],
  };
  for (const [f, [text]] of Object.entries(files)) Deno.writeTextFileSync(`${gen}/${f}`, text);
  const big = new Uint8Array((1 << 20) + 1);
  big.set(enc.encode(gen));
  Deno.writeFileSync(`${gen}/bin/tool`, big);
  Deno.symlinkSync(`${gen}/bin/serve`, `${gen}/bin/python`);
  nameVenvPath(gen, venv);
  for (const [f, [, want]] of Object.entries(files)) {
    assert.equal(Deno.readTextFileSync(`${gen}/${f}`), want, f);
  }
  assert.deepEqual(Deno.readFileSync(`${gen}/bin/tool`), big, "a file over 1 MiB is left");
  assert.equal(Deno.readLinkSync(`${gen}/bin/python`), `${gen}/bin/serve`, "links are left");
  await Deno.remove(root, { recursive: true });
});

Deno.test("switchVenvDir() links a new generation's entries and drops the ones it lacks", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  const g1 = `${root}/.prime/.venv.g1`;
  const g2 = `${root}/.prime/.venv.g2`;
  for (const [g, extra] of [[g1, "share"], [g2, "etc"]]) {
    Deno.mkdirSync(`${g}/bin`, { recursive: true });
    Deno.mkdirSync(`${g}/${extra}`);
    Deno.writeTextFileSync(`${g}/pyvenv.cfg`, g);
    Deno.writeTextFileSync(`${g}/.gitignore`, "*\n");
  }
  const venv = `${root}/.venv`;
  Deno.renameSync(stageVenvDir(venv, g1), venv);
  assert.ok(isPrimeVenvDir(venv));
  assert.equal(Deno.readTextFileSync(`${venv}/pyvenv.cfg`), g1);
  // What a tool wrote into .venv itself: uv's lock stays; an entry a later install
  // made there (an etc/ the old build lacked) gives way to the new build's.
  Deno.writeTextFileSync(`${venv}/.lock`, "");
  Deno.mkdirSync(`${venv}/etc`);
  Deno.writeTextFileSync(`${venv}/etc/old.cfg`, "from an install into the old build");
  Deno.writeTextFileSync(`${venv}/notes.txt`, "mine");
  assert.ok(isPrimeVenvDir(venv), "what a tool wrote into it does not make it someone else's");
  switchVenvDir(venv, g2);
  assert.equal(Deno.readTextFileSync(`${venv}/pyvenv.cfg`), g2);
  const names = [...Deno.readDirSync(venv)].map((e) => e.name).sort();
  assert.deepEqual(names, [
    ".gitignore",
    ".lock",
    ".prime-live",
    "bin",
    "etc",
    "notes.txt",
    "pyvenv.cfg",
  ]);
  assert.equal(Deno.readLinkSync(`${venv}/etc`), ".prime-live/etc");
  assert.equal(Deno.readTextFileSync(`${venv}/notes.txt`), "mine");
  assert.equal(Deno.readTextFileSync(`${venv}/.gitignore`), "*\n");
  assert.deepEqual(
    [...Deno.readDirSync(`${root}/.prime`)].map((e) => e.name).sort(),
    [".venv.g1", ".venv.g2"],
    "the replaced etc/ is deleted",
  );
  // A clone's committed `.venv/bin -> elsewhere`, or a real bin, is not prime's.
  Deno.removeSync(`${venv}/bin`);
  Deno.symlinkSync("/usr/bin", `${venv}/bin`);
  assert.ok(!isPrimeVenvDir(venv));
  Deno.removeSync(`${venv}/bin`);
  Deno.mkdirSync(`${venv}/bin`);
  assert.ok(!isPrimeVenvDir(venv));
  await Deno.remove(root, { recursive: true });
});

Deno.test("an install alias names the new generation at a stable path, and the paths written through it end up naming the venv", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  const venv = `${root}/.venv`;
  const alias = installAliasPath(venv);
  assert.equal(alias, `${root}/.prime/.venv.uv`, "the same path for every build of .venv");
  for (const id of ["ga", "gb"]) {
    const gen = `${root}/.prime/.venv.${id}`;
    Deno.mkdirSync(`${gen}/bin`, { recursive: true });
    assert.equal(linkInstallAlias(venv, gen), alias);
    assert.equal(Deno.realPathSync(alias), gen, "the alias names this build");
    // uv, given the alias, writes it into scripts' #!.
    Deno.writeTextFileSync(`${alias}/bin/serve`, `#!${alias}/bin/python\n`);
    removeInstallAlias(alias);
    assert.ok(Deno.statSync(gen).isDirectory, "removing the alias leaves the generation");
    nameVenvPath(gen, venv);
    assert.equal(Deno.readTextFileSync(`${gen}/bin/serve`), `#!${venv}/bin/python\n`);
  }
  assert.throws(() => Deno.lstatSync(alias), "no alias is left behind");
  await Deno.remove(root, { recursive: true });
});

Deno.test("no install alias is made where the clone has its own directory at that path", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  const venv = `${root}/.venv`;
  const gen = `${root}/.prime/.venv.ga`;
  Deno.mkdirSync(`${installAliasPath(venv)}/keep`, { recursive: true });
  Deno.mkdirSync(gen);
  assert.equal(linkInstallAlias(venv, gen), null, "the install names the generation itself");
  assert.ok(Deno.statSync(`${installAliasPath(venv)}/keep`).isDirectory, "left as it was");
  removeInstallAlias(installAliasPath(venv));
  assert.ok(Deno.statSync(`${installAliasPath(venv)}/keep`).isDirectory, "only a link is removed");
  await Deno.remove(root, { recursive: true });
});
