#!/usr/bin/env bash
# Finds a JDK >= 21 (Atoll needs one to build and run).
#
#   scripts/find-jdk.sh            prints its JAVA_HOME; exit 1 with a clear message if there is none
#   . scripts/find-jdk.sh          defines atoll_find_jdk and exports JAVA_HOME (returns 1 if none)
#
# Order: $JAVA_HOME if it is a JDK >= 21, else the newest JDK >= 21 under /usr/lib/jvm
# (ATOLL_JVM_DIR overrides that directory). A JDK is a directory with bin/java and bin/javac;
# its version comes from its `release` file, or else from `bin/java -version`.

ATOLL_MIN_JAVA=21

# Prints the full version of the JDK at $1 (e.g. 25.0.1, 17.0.15, 1.8.0_292), or nothing.
atoll_jdk_version() {
    local home=$1 v=""
    if [[ -f "$home/release" ]]; then
        v=$(sed -n 's/^JAVA_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$home/release" | head -n 1)
    fi
    if [[ -z "$v" && -x "$home/bin/java" ]]; then
        v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
    fi
    printf '%s' "$v"
}

# Prints the feature number of a version string: 25.0.1 -> 25, 1.8.0_292 -> 8, 21-ea -> 21.
atoll_jdk_major() {
    local v=$1 major
    major=${v%%[!0-9]*}
    if [[ "$major" == 1 && "$v" == 1.* ]]; then
        major=${v#1.}
        major=${major%%[!0-9]*}
    fi
    printf '%s' "${major:-0}"
}

atoll_find_jdk() {
    local jvm_dir=${ATOLL_JVM_DIR:-/usr/lib/jvm}
    local found=() best="" best_version="" best_major=0 seen=" "
    local dir real v major

    # 1. JAVA_HOME
    if [[ -n "${JAVA_HOME:-}" ]]; then
        if [[ ! -x "$JAVA_HOME/bin/java" ]]; then
            found+=("JAVA_HOME=$JAVA_HOME (no bin/java there)")
        else
            v=$(atoll_jdk_version "$JAVA_HOME")
            major=$(atoll_jdk_major "$v")
            if [[ ! -x "$JAVA_HOME/bin/javac" ]]; then
                found+=("JAVA_HOME=$JAVA_HOME (version ${v:-unknown}, but a JRE: no bin/javac)")
            elif (( major >= ATOLL_MIN_JAVA )); then
                printf '%s\n' "$JAVA_HOME"
                return 0
            else
                found+=("JAVA_HOME=$JAVA_HOME (version ${v:-unknown})")
            fi
        fi
    fi

    # 2. the newest JDK >= 21 under /usr/lib/jvm
    if [[ -d "$jvm_dir" ]]; then
        for dir in "$jvm_dir"/*/; do
            dir=${dir%/}
            [[ -d "$dir" && -x "$dir/bin/java" ]] || continue
            real=$(readlink -f "$dir" 2>/dev/null || printf '%s' "$dir")
            [[ "$seen" == *" $real "* ]] && continue
            seen+="$real "
            v=$(atoll_jdk_version "$dir")
            major=$(atoll_jdk_major "$v")
            if [[ ! -x "$dir/bin/javac" ]]; then
                found+=("$dir (version ${v:-unknown}, but a JRE: no bin/javac)")
                continue
            fi
            found+=("$dir (version ${v:-unknown})")
            (( major >= ATOLL_MIN_JAVA )) || continue
            if (( major > best_major )) ||
               { (( major == best_major )) &&
                 [[ "$(printf '%s\n%s\n' "$best_version" "$v" | sort -V | tail -n 1)" == "$v" ]]; }; then
                best=$dir best_version=$v best_major=$major
            fi
        done
    fi

    if [[ -n "$best" ]]; then
        printf '%s\n' "$best"
        return 0
    fi

    {
        echo "error: no JDK $ATOLL_MIN_JAVA or newer found (Atoll needs one to build and run)"
        if (( ${#found[@]} == 0 )); then
            echo "  found: nothing (JAVA_HOME is unset and $jvm_dir holds no JDK)"
        else
            echo "  found:"
            local f
            for f in "${found[@]}"; do echo "    $f"; done
        fi
        echo "hint: install a JDK $ATOLL_MIN_JAVA+ (e.g. Eclipse Temurin, https://adoptium.net) under $jvm_dir, or set JAVA_HOME to one"
    } >&2
    return 1
}

if (return 0 2>/dev/null); then
    # sourced
    __atoll_jdk=$(atoll_find_jdk) || { unset __atoll_jdk; return 1; }
    export JAVA_HOME=$__atoll_jdk
    unset __atoll_jdk
else
    # executed
    atoll_find_jdk
    exit $?
fi
