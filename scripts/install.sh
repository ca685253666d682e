#!/bin/sh
# prime installer: curl -fsSL <release>/install.sh | sh
#
# Downloads prime-<target> and SHA256SUMS from PRIME_INSTALL_BASE_URL, verifies the
# checksum and installs the binary as $PRIME_INSTALL_DIR/prime (default ~/.local/bin)
# with mode 755, by renaming a verified temp file over it. Any failure installs
# nothing and leaves an earlier prime untouched.
#
# POSIX sh; needs curl or wget, and sha256sum or shasum.

# PLACEHOLDER: the GitHub owner/repo that publishes prime's releases. It is defined
# in src/release.ts (RELEASE_REPO); tests/unit/release_test.ts fails until this copy,
# README.md and docs/RELEASE.md agree with it.
PRIME_RELEASE_REPO_PLACEHOLDER="prime-dev/prime"
DEFAULT_BASE_URL="https://github.com/$PRIME_RELEASE_REPO_PLACEHOLDER/releases/latest/download"

set -u

# Set once they exist, so cleanup knows what to undo.
tmp_dir=""
created_top=""
installed=""

say() {
  printf '%s\n' "$*"
}

die() {
  printf 'prime install: error: %s\n' "$*" >&2
  exit 1
}

cleanup() {
  if [ -n "$tmp_dir" ]; then rm -rf "$tmp_dir"; fi
  # Directories this run created stay only if something was installed into them.
  if [ -z "$installed" ] && [ -n "$created_top" ]; then
    d=$dir
    while rmdir "$d" 2>/dev/null && [ "$d" != "$created_top" ]; do d=$(dirname "$d"); done
  fi
  return 0
}

has() {
  command -v "$1" >/dev/null 2>&1
}

detect_target() {
  os=$(uname -s 2>/dev/null) || die "cannot detect the platform: uname -s failed"
  arch=$(uname -m 2>/dev/null) || die "cannot detect the platform: uname -m failed"
  case "$os" in
    Linux)
      case "$arch" in
        x86_64 | amd64) target=x86_64-unknown-linux-gnu ;;
        aarch64 | arm64) target=aarch64-unknown-linux-gnu ;;
        *) target="" ;;
      esac
      ;;
    Darwin)
      case "$arch" in
        x86_64)
          target=x86_64-apple-darwin
          # A shell under Rosetta reports x86_64 on Apple silicon; the native build is better.
          if has sysctl && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null)" = 1 ]; then
            target=aarch64-apple-darwin
          fi
          ;;
        arm64 | aarch64) target=aarch64-apple-darwin ;;
        *) target="" ;;
      esac
      ;;
    *) target="" ;;
  esac
  if [ -z "$target" ]; then
    die "unsupported platform: $os $arch (prime is built for Linux x86_64/aarch64 and macOS x86_64/arm64)"
  fi
  if [ "$os" = Linux ] && is_musl; then
    die "this Linux uses musl libc (Alpine?); prime's Linux binaries need glibc and would not start: use a glibc-based system or image, or run prime from source (scripts/prime)"
  fi
}

# is_musl: true on a musl-libc Linux (its loader is /lib/ld-musl-*.so.1; ldd says musl).
is_musl() {
  for f in /lib/ld-musl-*.so.1; do
    if [ -e "$f" ]; then return 0; fi
  done
  if has ldd; then
    case $(ldd --version 2>&1) in *musl*) return 0 ;; esac
  fi
  return 1
}

pick_tools() {
  if has curl; then
    downloader=curl
  elif has wget; then
    downloader=wget
  else
    die "neither curl nor wget is installed: install one of them and run this again"
  fi
  if has sha256sum; then
    hasher=sha256sum
  elif has shasum; then
    hasher=shasum
  else
    die "neither sha256sum nor shasum is installed: install one of them and run this again"
  fi
}

# download URL FILE: fetch URL into FILE, or stop with the downloader's own reason.
download() {
  if [ "$downloader" = curl ]; then
    curl -fsSL -o "$2" "$1" 2>"$tmp_dir/download.log"
  else
    wget -nv -O "$2" "$1" 2>"$tmp_dir/download.log"
  fi
  dl_status=$?
  if [ "$dl_status" -ne 0 ]; then
    reason=""
    while IFS= read -r line || [ -n "$line" ]; do
      if [ -n "$line" ]; then reason=$line; fi
    done <"$tmp_dir/download.log"
    if [ -z "${PRIME_INSTALL_BASE_URL:-}" ]; then
      # The default host is the placeholder repo until prime has a real release home.
      die "could not download $1: ${reason:-$downloader exited with status $dl_status} ($PRIME_RELEASE_REPO_PLACEHOLDER is a placeholder release host: set PRIME_INSTALL_BASE_URL to the directory holding prime-<target> and SHA256SUMS)"
    fi
    die "could not download $1: ${reason:-$downloader exited with status $dl_status}"
  fi
}

# sha256_of FILE: print FILE's SHA-256 in lower-case hex.
sha256_of() {
  if [ "$hasher" = sha256sum ]; then
    sum=$(sha256sum <"$1") || return 1
  else
    sum=$(shasum -a 256 <"$1") || return 1
  fi
  sum=${sum%% *}
  printf '%s\n' "$sum" | tr 'A-F' 'a-f'
}

# expected_sum SUMS NAME: print NAME's hash from a sha256sum-format file, or nothing.
expected_sum() {
  cr=$(printf '\r')
  while read -r hex name rest || [ -n "${hex:-}" ]; do
    name=${name%"$cr"}
    # sha256sum -b writes "*name" for binary mode.
    name=${name#\*}
    if [ "$name" = "$2" ] && [ -z "$rest" ]; then
      printf '%s\n' "$hex" | tr 'A-F' 'a-f'
      return 0
    fi
    hex=""
  done <"$1"
  return 0
}

main() {
  detect_target
  pick_tools

  base_url=${PRIME_INSTALL_BASE_URL:-$DEFAULT_BASE_URL}
  base_url=${base_url%/}
  if [ -n "${PRIME_INSTALL_DIR:-}" ]; then
    dir=$PRIME_INSTALL_DIR
  elif [ -n "${HOME:-}" ]; then
    dir=$HOME/.local/bin
  else
    die "HOME is not set: set PRIME_INSTALL_DIR to the directory to install prime into"
  fi
  case "$dir" in
    "~/"*) dir=${HOME:?HOME is not set}/${dir#"~/"} ;;
  esac
  case "$dir" in
    /*) ;;
    *) dir=$(pwd)/$dir ;;
  esac
  while [ "$dir" != / ] && [ "${dir%/}" != "$dir" ]; do dir=${dir%/}; done

  if [ -d "$dir/prime" ]; then
    die "$dir/prime is a directory: move it away or set PRIME_INSTALL_DIR"
  fi
  if [ ! -d "$dir" ]; then
    # Remember the topmost directory that is new, so a failed run can take them back.
    probe=$dir
    while [ ! -d "$probe" ]; do
      top=$probe
      probe=$(dirname "$probe")
    done
    created_top=$top
    mkdir -p "$dir" || die "cannot create $dir: set PRIME_INSTALL_DIR to a writable directory"
  fi

  # Inside the install dir, so the final rename never crosses a file system.
  tmp_dir=$(mktemp -d "$dir/.prime-install.XXXXXX" 2>/dev/null) || {
    tmp_dir=$dir/.prime-install.$$
    mkdir -m 700 "$tmp_dir" 2>/dev/null || {
      tmp_dir=""
      die "cannot write to $dir: set PRIME_INSTALL_DIR to a writable directory"
    }
  }

  asset=prime-$target
  download "$base_url/$asset" "$tmp_dir/prime"
  download "$base_url/SHA256SUMS" "$tmp_dir/SHA256SUMS"

  expected=$(expected_sum "$tmp_dir/SHA256SUMS" "$asset")
  if [ -z "$expected" ]; then
    die "$base_url/SHA256SUMS has no checksum for $asset: the release is incomplete; nothing was installed"
  fi
  actual=$(sha256_of "$tmp_dir/prime") || die "cannot compute the checksum of the downloaded $asset"
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $asset: expected $expected, got $actual; nothing was installed"
  fi

  chmod 755 "$tmp_dir/prime" || die "cannot make the downloaded $asset executable"
  mv -f "$tmp_dir/prime" "$dir/prime" || die "cannot move prime into $dir; nothing was installed"
  installed=1

  say "prime: installed $asset as $dir/prime"
  case ":${PATH:-}:" in
    *":$dir:"* | *":$dir/:"*) ;;
    *)
      say "prime: $dir is not on PATH; add it, for example in ~/.profile:"
      say "  export PATH=\"$dir:\$PATH\""
      ;;
  esac
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Everything runs from this last line, so a download cut short by `curl | sh` runs nothing.
main "$@"
