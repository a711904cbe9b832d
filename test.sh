#!/usr/bin/env bash
# Every test, on a fresh machine: what README.md's set-up section runs, and what CI (.ci/run) runs.
# Legs that need programs from outside .NET install and start them here, and stop what they started.
set -euo pipefail
cd "$(dirname "$0")"

dotnet test ParallelGen.sln -c Release --blame-hang-timeout 5m

# The Windows leg: tests/ParallelGen.WindowsTests as a win-x64 program under Wine (installs wine64 if it can).
tests/windows/run.sh
