#!/usr/bin/env bash
# The Windows test leg: tests/ParallelGen.WindowsTests published win-x64 self-contained and run under Debian's wine64
# (8.0), following the recipe in docs/windows.md. Installs wine64 if it is missing (skips, with a message, only if it
# cannot be installed), makes a headless prefix outside the clone, publishes, runs with timeouts, and always ends every
# Windows process of the prefix (wineserver -k) on the way out. Exits with the test executable's code.
# Extra arguments go to the xunit.v3 runner (for instance: -class ParallelGen.WindowsTests.FailureTests).
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

out="${TMPDIR:-/tmp}/pg-windows-tests"
echo "windows leg: publishing tests/ParallelGen.WindowsTests for win-x64 (self-contained)"
timeout 900 dotnet publish tests/ParallelGen.WindowsTests/ParallelGen.WindowsTests.csproj -c Release -r win-x64 --self-contained true -o "$out" -v quiet -nologo

echo "windows leg: running the tests under $("$WINE" --version)"
rc=0
# winedbg disabled: a crashing process (the crash test's worker) would otherwise start Wine's debugger.
# The Linux dotnet's variables mean nothing to a Windows process: drop them.
# W^X off: under Wine 8 the runtime twice died freeing JIT code (Internal CLR error 0x80131506 in DynamicResolver
# finalization) with it on; this is about Wine's memory mapping, not about ParallelGen.
env -u DOTNET_HOST_PATH -u DOTNET_ROOT -u MSBuildExtensionsPath -u MSBUILD_EXE_PATH DOTNET_EnableWriteXorExecute=0 \
    WINEDLLOVERRIDES="winedbg.exe=d" timeout "${PARALLELGEN_WINE_TIMEOUT:-900}" "$WINE" "$out/ParallelGen.WindowsTests.exe" -noColor "$@" || rc=$?
echo "windows leg: exit code $rc after $((SECONDS - started)) s"
exit $rc
