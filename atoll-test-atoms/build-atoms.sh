#!/usr/bin/env bash
# Compiles the C test atoms listed in src/c/atoms.list with scripts/wasm-cc, and the text-format
# modules src/wat/*.wat with wat2wasm, into OUT_DIR/<name>.wasm (default target/classes/atoms). Run by Maven at generate-resources, after
# scripts/setup-toolchain.sh. An atom is rebuilt only if a source, a header, the SDK header,
# wasm-cc or the list is newer than its .wasm. Any failure fails the build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
src="$here/src/c"
out="${1:-$here/target/classes/atoms}"
cc="$root/scripts/wasm-cc"
mkdir -p "$out"

# Inputs every atom depends on besides its own sources.
common=("$root/sdk/c/include/atoll.h" "$cc" "$root/scripts/wasm-cc.d/wasm-opt" "$src/atoms.list" "$src"/*.h)

stale() { # stale <wasm> <inputs...>
  local target="$1" f
  shift
  [[ -f "$target" ]] || return 0
  for f in "$@"; do [[ "$f" -nt "$target" ]] && return 0; done
  return 1
}

pids=() names=()
while read -r name files; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  read -r -a sources <<<"$files"
  paths=()
  for f in "${sources[@]}"; do paths+=("$src/$f"); done
  if stale "$out/$name.wasm" "${paths[@]}" "${common[@]}"; then
    (
      # a private temporary name: two builds of this module may run at the same time
      tmp="$out/.$name.wasm.$$.$BASHPID.tmp"
      trap 'rm -f "$tmp"' EXIT
      "$cc" -Wall -Wextra -Werror -o "$tmp" "${paths[@]}"
      mv -f "$tmp" "$out/$name.wasm"
    ) &
    pids+=($!)
    names+=("$name")
  fi
done <"$src/atoms.list"

# Engine-level test modules written in the text format (src/wat/*.wat), with wabt's wat2wasm.
for wat in "$here"/src/wat/*.wat; do
  [[ -e "$wat" ]] || continue
  name="$(basename "$wat" .wat)"
  if stale "$out/$name.wasm" "$wat"; then
    (
      tmp="$out/.$name.wasm.$$.$BASHPID.tmp"
      trap 'rm -f "$tmp"' EXIT
      wat2wasm "$wat" -o "$tmp"
      mv -f "$tmp" "$out/$name.wasm"
    ) &
    pids+=($!)
    names+=("$name")
  fi
done

failed=()
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed+=("${names[$i]}")
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "build-atoms: FAILED to compile: ${failed[*]}" >&2
  exit 1
fi
if [[ ${#names[@]} -gt 0 ]]; then
  echo "build-atoms: compiled ${names[*]} into $out"
fi
