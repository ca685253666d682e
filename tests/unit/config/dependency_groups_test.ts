import assert from "node:assert/strict";
import {
  extraRequirements,
  includedGroups,
  selectDeps,
  workspaceGroupRequirements,
} from "../../../src/config/dependency_groups.ts";
import type { DeclaredDeps, DepsSelection, GroupRequest } from "../../../src/config/types.ts";
import { emptyGroupRequest } from "../../../src/core/invocation.ts";

// ---- selectDeps(): uv's group and extra flags.

const DECLARED: DeclaredDeps = {
  groups: ["dev", "Lint", "docs"],
  extras: ["cli", "web"],
  defaultGroups: ["dev"],
  defaultGroupsSource: "uv's default",
  defaultExtras: [],
  file: "/r/pyproject.toml",
};

const SELECTIONS: Array<[string, Partial<GroupRequest>, Partial<DeclaredDeps>, DepsSelection]> = [
  ["dev by default", {}, {}, { groups: ["dev"], project: true, extras: [] }],
  ["--group adds to the defaults", { groups: ["lint"] }, {}, {
    groups: ["dev", "Lint"],
    project: true,
    extras: [],
  }],
  ["--no-dev drops dev", { dev: false }, {}, { groups: [], project: true, extras: [] }],
  ["--no-group dev drops dev", { noGroups: ["dev"] }, {}, {
    groups: [],
    project: true,
    extras: [],
  }],
  // uv 0.13.9, each checked with `uv sync` (tests/integration/groups_test.ts compares).
  ["--dev is the default, explicit", { dev: true }, {}, {
    groups: ["dev"],
    project: true,
    extras: [],
  }],
  ["--dev survives --no-default-groups", { dev: true, noDefaultGroups: true }, {}, {
    groups: ["dev"],
    project: true,
    extras: [],
  }],
  ["--dev beside other default-groups", { dev: true }, { defaultGroups: ["docs"] }, {
    groups: ["dev", "docs"],
    project: true,
    extras: [],
  }],
  ["--no-group dev wins over --dev", { dev: true, noGroups: ["dev"] }, {}, {
    groups: [],
    project: true,
    extras: [],
  }],
  ["--only-dev: dev alone", { onlyDev: true }, { defaultGroups: ["docs"] }, {
    groups: ["dev"],
    project: false,
    extras: [],
  }],
  ["--only-dev ignores extras", { onlyDev: true, extras: ["cli"], allExtras: false }, {}, {
    groups: ["dev"],
    project: false,
    extras: [],
  }],
  ["--only-dev with --only-group", { onlyDev: true, onlyGroups: ["docs"] }, {}, {
    groups: ["dev", "docs"],
    project: false,
    extras: [],
  }],
  ["--only-dev with --dev", { onlyDev: true, dev: true }, {}, {
    groups: ["dev"],
    project: false,
    extras: [],
  }],
  ["--no-extra with --all-extras: all but it", { allExtras: true, noExtras: ["CLI"] }, {}, {
    groups: ["dev"],
    project: true,
    extras: ["web"],
  }],
  ["--no-extra wins over --extra and extras", { extras: ["cli", "web"], noExtras: ["cli"] }, {
    defaultExtras: ["cli"],
  }, {
    groups: ["dev"],
    project: true,
    extras: ["web"],
  }],
  ["--no-extra beside --only-group", { onlyGroups: ["docs"], noExtras: ["cli"] }, {}, {
    groups: ["docs"],
    project: false,
    extras: [],
  }],
  ["--no-group wins over --group", { groups: ["dev"], noGroups: ["dev"] }, {}, {
    groups: [],
    project: true,
    extras: [],
  }],
  ["--no-default-groups keeps --group", { noDefaultGroups: true, groups: ["docs"] }, {}, {
    groups: ["docs"],
    project: true,
    extras: [],
  }],
  ["--only-group leaves the project and the defaults out", { onlyGroups: ["lint"] }, {}, {
    groups: ["Lint"],
    project: false,
    extras: [],
  }],
  ["--all-groups takes every group", { allGroups: true, noGroups: ["docs"] }, {}, {
    groups: ["dev", "Lint"],
    project: true,
    extras: [],
  }],
  ["default-groups replace dev", {}, { defaultGroups: ["docs", "lint"] }, {
    groups: ["Lint", "docs"],
    project: true,
    extras: [],
  }],
  ['default-groups = "all"', {}, { defaultGroups: "all" }, {
    groups: ["dev", "Lint", "docs"],
    project: true,
    extras: [],
  }],
  ["--extra and configured extras", { extras: ["WEB"] }, { defaultExtras: ["cli"] }, {
    groups: ["dev"],
    project: true,
    extras: ["cli", "web"],
  }],
  ["--all-extras", { allExtras: true }, {}, {
    groups: ["dev"],
    project: true,
    extras: ["cli", "web"],
  }],
  ["an undefined dev is no error", {}, { groups: ["docs"] }, {
    groups: [],
    project: true,
    extras: [],
  }],
  ["an undefined dev is no error for --dev and --no-dev", { dev: true }, { groups: ["docs"] }, {
    groups: [],
    project: true,
    extras: [],
  }],
  // uv 0.13.9 installs nothing for these (exit 0): prime too, with a warning.
  ["--only-dev without a dev group: nothing", { onlyDev: true }, { groups: ["docs"] }, {
    groups: [],
    project: false,
    extras: [],
    warning:
      "--only-dev: there is no dev group in /r/pyproject.toml: the env holds no packages, as with uv sync",
  }],
  ["--only-group emptied by --no-group: nothing", { onlyGroups: ["dev"], noGroups: ["dev"] }, {}, {
    groups: [],
    project: false,
    extras: [],
    warning:
      "--no-group removes every group --only-group names: the env holds no packages, as with uv sync",
  }],
];

for (const [what, req, declared, want] of SELECTIONS) {
  Deno.test(`selectDeps(): ${what}`, () => {
    assert.deepEqual(
      selectDeps({ ...DECLARED, ...declared }, { ...emptyGroupRequest(), ...req }),
      want,
    );
  });
}

Deno.test("selectDeps() takes no default groups for a deployment, but takes --group", () => {
  const d = { ...DECLARED, defaultGroups: "all" as const };
  assert.deepEqual(selectDeps(d, emptyGroupRequest(), { deployment: true }).groups, []);
  assert.deepEqual(
    selectDeps(d, { ...emptyGroupRequest(), groups: ["docs"] }, { deployment: true }).groups,
    ["docs"],
  );
});

const REFUSED: Array<[string, Partial<GroupRequest>, Partial<DeclaredDeps>, RegExp]> = [
  [
    "--group with --only-group",
    { groups: ["dev"], onlyGroups: ["lint"] },
    {},
    /--group .*--only-group/,
  ],
  [
    "--only-group with --extra",
    { onlyGroups: ["lint"], extras: ["cli"] },
    {},
    /--only-group .*--extra/,
  ],
  ["--only-group with --all-extras", { onlyGroups: ["lint"], allExtras: true }, {}, /--all-extras/],
  ["--extra with --all-extras", { extras: ["cli"], allExtras: true }, {}, /--extra .*--all-extras/],
  [
    "an unknown --group",
    { groups: ["lnit"] },
    {},
    /group `lnit` \(from --group\) is not defined.*Lint/,
  ],
  [
    "an unknown default group",
    {},
    { defaultGroups: ["nope"], defaultGroupsSource: "X" },
    /`nope` \(from X\)/,
  ],
  ["an unknown --extra", { extras: ["gui"] }, {}, /extra `gui` \(from --extra\) is not defined/],
  ["--dev with --only-group", { dev: true, onlyGroups: ["docs"] }, {}, /--dev .*--only-group/],
  ["--only-dev with --group", { onlyDev: true, groups: ["docs"] }, {}, /--only-dev .*--group/],
  ["--only-dev with --all-groups", { onlyDev: true, allGroups: true }, {}, /--all-groups/],
  ["--only-dev with --no-dev", { onlyDev: true, dev: false }, {}, /--only-dev .*--no-dev/],
  ["an unknown --no-extra", { noExtras: ["gui"] }, {}, /extra `gui` \(from --no-extra\)/],
  // uv refuses a `dev` it is given by name when the project has none.
  ["--group dev, undefined", { groups: ["dev"] }, { groups: ["docs"] }, /`dev` \(from --group\)/],
  [
    "--only-group dev, undefined",
    { onlyGroups: ["dev"] },
    { groups: ["docs"] },
    /`dev` \(from --only-group\)/,
  ],
];

for (const [what, req, declared, message] of REFUSED) {
  Deno.test(`selectDeps() refuses ${what}`, () => {
    assert.throws(
      () => selectDeps({ ...DECLARED, ...declared }, { ...emptyGroupRequest(), ...req }),
      message,
    );
  });
}

Deno.test("extraRequirements() expands a project's references to its own extras", () => {
  assert.deepEqual(
    extraRequirements(
      { cli: ["click"], web: ["flask"], all: ["App[cli,web]", "rich"] },
      ["all"],
      "app",
    ),
    ["click", "flask", "rich"],
  );
});

Deno.test("includedGroups() names the groups that come in through include-group, once", () => {
  const groups = {
    dev: ["pytest", { "include-group": "Lint" }, { "include-group": "types" }],
    lint: ["ruff", { "include-group": "types" }],
    types: ["mypy"],
    docs: ["sphinx"],
  };
  assert.deepEqual(includedGroups(groups, ["dev"]), ["lint", "types"]);
  assert.deepEqual(includedGroups(groups, ["dev", "types"]), ["lint"]);
  assert.deepEqual(includedGroups(groups, ["docs"]), []);
});

Deno.test("workspaceGroupRequirements() takes each group from every project defining it", () => {
  const root = { file: "/r/pyproject.toml", groups: { dev: ["ruff"] } };
  const lib = {
    file: "/r/lib/pyproject.toml",
    groups: { Dev: ["pytest", "ruff"], docs: ["sphinx", { "include-group": "web" }], web: ["w"] },
  };
  assert.deepEqual(workspaceGroupRequirements([root, lib], ["dev"]), ["ruff", "pytest"]);
  assert.deepEqual(workspaceGroupRequirements([root, lib], ["docs"]), ["sphinx", "w"]);
  assert.deepEqual(workspaceGroupRequirements([root, lib], []), []);
});

Deno.test("selectDeps() names the workspace members when no project defines a group", () => {
  assert.throws(
    () =>
      selectDeps(
        { ...DECLARED, memberFiles: ["/r/lib/pyproject.toml"] },
        { ...emptyGroupRequest(), groups: ["nope"] },
      ),
    /not defined in \/r\/pyproject\.toml or any workspace member's pyproject\.toml/,
  );
});
