#!/usr/bin/env bash
# Makes sure the native tools Atoll's build and tests need are installed (Debian/Ubuntu).
#
#   scripts/setup-toolchain.sh [--no-install] [--verify] [GROUP...]
#
# Groups (default: all of them):
#   c         clang with the wasm32-wasi target, wasm-ld, wasi-libc, compiler-rt for wasm32
#             (Debian: clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32) - used by scripts/wasm-cc
#   wabt      wasm-objdump, wat2wasm                  (wabt)
#   binaryen  wasm-opt, for asyncify                  (binaryen)
#   nats      nats-server, for cluster tests          (nats-server; Debian installs it in /usr/sbin)
#   wrk       wrk, for benchmarks                     (wrk)
#
# When everything is present it prints nothing and exits 0 (fast: no package manager involved).
# Otherwise, if apt-get is available and we are root (or have passwordless sudo), it runs
# `apt-get update` once and installs the missing packages; if it cannot (or --no-install, or
# ATOLL_NO_INSTALL=1), it prints one line naming what is missing and the command that installs
# it, and exits 1. --verify also compiles a tiny C atom with scripts/wasm-cc.
#
# Environment: ATOLL_CLANG / WASI_SYSROOT as for scripts/wasm-cc; ATOLL_LLVM_VERSION (default
# 14) picks the Debian package names when nothing is installed yet.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
me="setup-toolchain"
no_install="${ATOLL_NO_INSTALL:-}"
verify=""
groups=()
for a in "$@"; do
  case "$a" in
    --no-install) no_install=1 ;;
    --verify) verify=1 ;;
    c|wabt|binaryen|nats|wrk) groups+=("$a") ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "$me: unknown argument '$a' (try --help)" >&2; exit 2 ;;
  esac
done
[[ ${#groups[@]} -gt 0 ]] || groups=(c wabt binaryen nats wrk)

have() { command -v "$1" >/dev/null 2>&1; }
want() { local g; for g in "${groups[@]}"; do [[ "$g" == "$1" ]] && return 0; done; return 1; }

missing=()   # "what (package)" for the message
packages=()  # Debian packages to install

need() { # need <what> <package>
  missing+=("$1 ($2)")
  local p
  for p in "${packages[@]}"; do [[ "$p" == "$2" ]] && return; done
  packages+=("$2")
}

check() {
  missing=()
  packages=()
  if want c; then
    local llvm="${ATOLL_LLVM_VERSION:-14}" clang="${ATOLL_CLANG:-}" rt=""
    if [[ -z "$clang" ]]; then
      if have "clang-$llvm"; then clang="clang-$llvm"; elif have clang; then clang=clang; fi
    fi
    if [[ -n "$clang" ]] && have "$clang"; then
      if [[ "$clang" =~ clang-([0-9]+)$ ]]; then llvm="${BASH_REMATCH[1]}"; fi
      rt="$("$clang" --target=wasm32-wasi -print-libgcc-file-name 2>/dev/null)"
      [[ -n "$rt" && -f "$rt" ]] || need "compiler-rt for wasm32" "libclang-rt-$llvm-dev-wasm32"
    else
      need "clang" "clang-$llvm"
      need "compiler-rt for wasm32" "libclang-rt-$llvm-dev-wasm32"
    fi
    have "wasm-ld-$llvm" || have wasm-ld || need "wasm-ld" "lld-$llvm"
    if [[ -n "${WASI_SYSROOT:-}" ]]; then
      [[ -f "$WASI_SYSROOT/lib/wasm32-wasi/libc.a" ]] || need "wasi-libc in WASI_SYSROOT=$WASI_SYSROOT" "wasi-libc"
    else
      [[ -f /usr/lib/wasm32-wasi/libc.a || -f /usr/share/wasi-sysroot/lib/wasm32-wasi/libc.a \
         || -f /opt/wasi-sdk/share/wasi-sysroot/lib/wasm32-wasi/libc.a ]] || need "wasi-libc" "wasi-libc"
    fi
  fi
  if want wabt; then
    have wasm-objdump || need "wasm-objdump" "wabt"
    have wat2wasm || need "wat2wasm" "wabt"
  fi
  if want binaryen; then
    have wasm-opt || need "wasm-opt" "binaryen"
  fi
  if want nats; then
    have nats-server || [[ -x /usr/sbin/nats-server || -x /usr/local/sbin/nats-server ]] \
      || need "nats-server" "nats-server"
  fi
  if want wrk; then
    have wrk || need "wrk" "wrk"
  fi
  [[ ${#missing[@]} -eq 0 ]]
}

smoke() { # compiles a tiny atom with wasm-cc
  local dir rc
  dir="$(mktemp -d)" || return 1
  cat >"$dir/t.c" <<'EOF'
#include <atoll.h>
static int on(const atoll_msg *m) { return atoll_reply(m, m->data, m->len); }
ATOLL_ABI();
ATOLL_ON_MESSAGE(on);
EOF
  "$here/wasm-cc" -o "$dir/t.wasm" "$dir/t.c" && [[ "$(head -c 4 "$dir/t.wasm" | od -An -c | tr -d ' ')" == '\0asm' ]]
  rc=$?
  rm -rf "$dir"
  [[ $rc -eq 0 ]] || echo "$me: the C toolchain is installed but cannot build an atom (see above)" >&2
  return $rc
}

give_up() { # give_up [reason]
  local sudo="sudo " what
  [[ "$(id -u)" == 0 ]] && sudo=""
  what="$(printf '%s, ' "${missing[@]}")"
  echo "$me: MISSING ${what%, }${1:+ - $1}. Install with: ${sudo}apt-get update && ${sudo}apt-get install -y ${packages[*]}" >&2
  exit 1
}

if check; then
  if [[ -n "$verify" ]] && want c; then smoke || exit 1; fi
  exit 0
fi

[[ -z "$no_install" ]] || give_up "not installing (--no-install / ATOLL_NO_INSTALL)"
have apt-get || give_up "no apt-get on this machine"
sudo_cmd=()
if [[ "$(id -u)" != 0 ]]; then
  if have sudo && sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); else give_up "not root and no passwordless sudo"; fi
fi

# One installer at a time (parallel Maven modules may call this together); re-check once we hold
# the lock, another run may have installed everything meanwhile.
lock="${TMPDIR:-/tmp}/atoll-setup-toolchain.lock"
if { exec 9>>"$lock"; } 2>/dev/null && have flock; then flock -w 1800 9; fi
if check; then exit 0; fi

installing=("${packages[@]}")
log="$(mktemp "${TMPDIR:-/tmp}/atoll-setup-toolchain.XXXXXX.log")"
echo "$me: installing ${packages[*]} with apt-get (log: $log)" >&2
apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600)
# --reinstall also repairs a package that is installed but lost the file we looked for.
if ! { "${apt[@]}" update && "${apt[@]}" install --no-install-recommends --reinstall "${packages[@]}"; } >"$log" 2>&1; then
  tail -n 15 "$log" >&2
  give_up "apt-get failed (log: $log)"
fi
hash -r
check || give_up "still missing after apt-get install (log: $log)"
if want c; then smoke || exit 1; fi
rm -f "$log"
echo "$me: installed ${installing[*]}" >&2
exit 0
