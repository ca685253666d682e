/**
 * The text of a bundle's `bin/NAME`: a POSIX sh launcher that resolves its own real
 * path (so a symlink from /usr/bin works), picks a first interpreter cheaply (no
 * interpreter is started to ask its version: the bootstrap checks that and re-execs a
 * better one if needed), removes the import-path variables, and execs the bootstrap.
 * Pure.
 */
import { shQuote } from "../shell/quote.ts";

/** What the launcher is generated from. */
export interface LauncherSpec {
  name: string;
  /** `3.12`: the build's minor, looked for first as `python3.12`. */
  minor: string;
  /** Interpreter flags before `-S`: `-s` (imports isolation) or `-I` (strict). */
  flags: string[];
  /** Variables that never reach the program (they change where imports come from). */
  removedVars: string[];
  /** For the message when no Python is found at all. */
  needs: string;
  primeVersion: string;
}

/** The launcher script. */
export function launcherText(spec: LauncherSpec): string {
  const py = `python${spec.minor}`;
  return `#!/bin/sh
# ${spec.name}: started through a bundle written by prime ${spec.primeVersion} (prime bundle).
# It needs neither prime nor a venv: any Python that fits the bundle runs it
# (PRIME_BUNDLE_PYTHON forces one). The bundle directory may be moved, copied,
# read-only, or reached through a symlink to this file.
self=$0
case $self in */*) ;; *) self=$(command -v -- "$self") || exit 127 ;; esac
while [ -h "$self" ]; do
  link=$(readlink -- "$self") || break
  case $link in /*) self=$link ;; *) self=\${self%/*}/$link ;; esac
done
root=$(cd -P -- "\${self%/*}/.." && pwd -P) || exit 127
unset ${spec.removedVars.join(" ")}
py=\${PRIME_BUNDLE_PYTHON:-}
if [ -z "$py" ]; then
  set -f
  for name in ${py} python3 python; do
    IFS=:
    for d in $PATH; do
      case $d in /*) ;; *) continue ;; esac
      case $d in */shims | */shims/) continue ;; esac
      if [ -f "$d/$name" ] && [ -x "$d/$name" ]; then py=$d/$name; break; fi
    done
    unset IFS
    [ -n "$py" ] && break
  done
  set +f
fi
if [ -z "$py" ]; then
  for p in /usr/local/bin/${py} /usr/bin/${py} /usr/local/bin/python3 /usr/bin/python3 \\
    "\${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python3; do
    if [ -f "$p" ] && [ -x "$p" ]; then py=$p; break; fi
  done
fi
if [ -z "$py" ]; then
  echo ${shQuote(`${spec.name}: no Python found: it needs ${spec.needs}`)} >&2
  echo '  hint: install one (on PATH as ${py} or python3), or set PRIME_BUNDLE_PYTHON' >&2
  exit 4
fi
exec "$py" ${spec.flags.join(" ")} -S "$root/prime-bundle.py" "$0" "$@"
`;
}
