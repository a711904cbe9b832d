#!/usr/bin/env bash
# The Windows test leg: tests/ParallelGen.WindowsTests and the samples Primes, FolderCopy and QueuePipeline, published
# win-x64 self-contained (tests/windows/Publish.proj, one MSBuild invocation) and run under Debian's wine64 (8.0),
# following the recipe in docs/windows.md. Installs wine64 if it is missing (skips, with a message, only if it cannot
# be installed), makes a headless prefix outside the clone, publishes, runs the test program and then each sample with
# timeouts, checks what each sample prints, and always ends every Windows process of the prefix (wineserver -k) on the
# way out. Exits non-zero if the tests or any sample failed.
# Extra arguments go to the xunit.v3 runner (for instance: -class ParallelGen.WindowsTests.FailureTests);
# PARALLELGEN_WINDOWS_SAMPLES=0 runs the tests only. After the samples it packs ParallelGen, adds the package to a new
# console project (tests/windows/package-app) and runs that under Wine too.
set -euo pipefail
cd "$(dirname "$0")/../.."

started=$SECONDS
WINE=/usr/lib/wine/wine64
WINESERVER=/usr/lib/wine/wineserver64
export WINEPREFIX="${PARALLELGEN_WINEPREFIX:-${TMPDIR:-/tmp}/pg-wine}" WINEDEBUG=-all

if [[ ! -x "$WINE" ]]; then
    echo "windows leg: installing wine64 (Debian, --no-install-recommends)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine64; } >/tmp/pg-wine-install.log 2>&1 \
        || [[ ! -x "$WINE" ]]; then
        echo "windows leg SKIPPED: wine64 could not be installed (see /tmp/pg-wine-install.log); Windows behaviour was not tested."
        exit 0
    fi
fi

cleanup() { "$WINESERVER" -k >/dev/null 2>&1 || true; }
trap cleanup EXIT

if [[ ! -f "$WINEPREFIX/.pg-ready" ]]; then
    echo "windows leg: creating the Wine prefix $WINEPREFIX"
    rm -rf "$WINEPREFIX"
    # mscoree disabled only while the prefix is made (no Mono download); left disabled, .NET assemblies cannot load.
    WINEDLLOVERRIDES="mscoree,mshtml=" timeout 300 "$WINE" wineboot -i >/dev/null 2>&1
    timeout 120 "$WINE" winecfg /v win10 >/dev/null 2>&1
    timeout 120 "$WINESERVER" -w
    touch "$WINEPREFIX/.pg-ready"
fi

out="${TMPDIR:-/tmp}/pg-windows"
echo "windows leg: publishing tests/ParallelGen.WindowsTests and the samples for win-x64 (self-contained)"
publish_started=$SECONDS
timeout 900 dotnet msbuild tests/windows/Publish.proj -restore -t:Publish -p:PublishRoot="$out/" -v:quiet -nologo
echo "windows leg: published in $((SECONDS - publish_started)) s"

# winedbg disabled: a crashing process (the crash test's worker) would otherwise start Wine's debugger.
# The Linux dotnet's variables mean nothing to a Windows process: drop them.
# W^X off: under Wine 8 the runtime twice died freeing JIT code (Internal CLR error 0x80131506 in DynamicResolver
# finalization) with it on; this is about Wine's memory mapping, not about ParallelGen.
run_windows() {
    local limit=$1
    shift
    env -u DOTNET_HOST_PATH -u DOTNET_ROOT -u MSBuildExtensionsPath -u MSBUILD_EXE_PATH DOTNET_EnableWriteXorExecute=0 \
        WINEDLLOVERRIDES="winedbg.exe=d" timeout "$limit" "$WINE" "$@"
}

echo "windows leg: running the tests under $("$WINE" --version)"
rc=0
run_windows "${PARALLELGEN_WINE_TIMEOUT:-900}" "$out/ParallelGen.WindowsTests/ParallelGen.WindowsTests.exe" -noColor "$@" || rc=$?
echo "windows leg: tests exit code $rc after $((SECONDS - started)) s"

# A sample passes if it exits with 0 within its time and prints every line the patterns (grep -E) ask for.
run_sample() {
    local name=$1 sample_rc=0 sample_started=$SECONDS pattern
    shift
    local log="$out/$name.log"
    echo "windows leg: sample $name"
    # Windows programs end their lines with CR LF: the CRs go, so that the patterns' $ matches (pipefail keeps the exit code).
    run_windows "${PARALLELGEN_WINE_SAMPLE_TIMEOUT:-300}" "$out/$name/$name.exe" </dev/null 2>&1 | tr -d '\r' >"$log" || sample_rc=$?
    sed 's/^/    /' "$log"
    if [[ $sample_rc -ne 0 ]]; then
        echo "windows leg: sample $name FAILED: exit code $sample_rc$([[ $sample_rc -eq 124 ]] && echo ' (timed out)')"
        return 1
    fi
    for pattern in "$@"; do
        if ! grep -Eq -- "$pattern" "$log"; then
            echo "windows leg: sample $name FAILED: no line matches /$pattern/"
            return 1
        fi
    done
    echo "windows leg: sample $name passed in $((SECONDS - sample_started)) s"
}

if [[ "${PARALLELGEN_WINDOWS_SAMPLES:-1}" != 0 ]]; then
    samples_started=$SECONDS
    # pi(10^7) = 664,579 (whatever the culture's group separator), counted serially and by the pool; the pool had workers.
    run_sample Primes '^serial: +664[^0-9]*579 primes' '^ProcessPool: +664[^0-9]*579 primes .*\([1-9][0-9]* worker processes' '^results agree\.$' || rc=1
    run_sample FolderCopy '^Copied 400 files, .* with [1-9][0-9]* worker processes\.$' '^Verified every byte of 400 files\.$' || rc=1
    run_sample QueuePipeline '^sum of squares 1\.\.20000: 2666866670000 \(correct\)$' '^producer producer \(pid [0-9]+\) exited with 0; consumers did [0-9]+ \+ [0-9]+ items' || rc=1
    echo "windows leg: samples took $((SECONDS - samples_started)) s"

    # The package as a Windows user gets it: packed, added to a brand-new console project (tests/windows/package-app:
    # README's quick start and what it should print), published for win-x64 and run like the samples.
    package_started=$SECONDS
    version="0.1.0-wine.$(date -u +%Y%m%d%H%M%S).$$"
    rm -rf "$out/feed" "$out/src"
    mkdir -p "$out/feed"
    echo "windows leg: packing ParallelGen $version and publishing a new console project that uses it"
    if timeout 600 dotnet pack src/ParallelGen -c Release -o "$out/feed" -p:PackageVersion="$version" -v:quiet -nologo >"$out/pack.log" 2>&1 \
        && timeout 300 dotnet new console --framework net10.0 -n PackageApp -o "$out/src/PackageApp" >"$out/new.log" 2>&1 \
        && printf '<configuration><packageSources><add key="parallelgen-local" value="%s" /></packageSources></configuration>\n' "$out/feed" >"$out/src/PackageApp/nuget.config" \
        && cp tests/windows/package-app/Program.cs "$out/src/PackageApp/Program.cs" \
        && timeout 300 dotnet add "$out/src/PackageApp" package ParallelGen --version "$version" >"$out/add.log" 2>&1 \
        && timeout 600 dotnet publish "$out/src/PackageApp" -c Release -r win-x64 --self-contained true -o "$out/PackageApp" -v:quiet -nologo >"$out/publish-app.log" 2>&1; then
        run_sample PackageApp '^sum of squares: 332833500; sum: 3; sums: 3,7$' '^ran in [1-9][0-9]* worker processes, none of them this one: True$' \
            '^error: System\.FormatException from .*Work\.Parse\(string\)$' '^on .*' || rc=1
    else
        echo "windows leg: the package app FAILED to build; its logs:"
        cat "$out"/pack.log "$out"/new.log "$out"/add.log "$out"/publish-app.log 2>/dev/null | tail -40
        rc=1
    fi
    echo "windows leg: the package app took $((SECONDS - package_started)) s"
fi

echo "windows leg: exit code $rc after $((SECONDS - started)) s"
exit $rc
