#!/usr/bin/env bash
# Every test, on a fresh machine: what README.md's set-up section runs, and what CI (.ci/run) runs.
# Legs that need programs from outside .NET install and start them here, and stop what they started.
set -euo pipefail
cd "$(dirname "$0")"

# Redis, for the cluster tests' Redis-membership leg (tests/ParallelGen.Orleans.Tests): Debian's redis-server, on
# loopback only, on a free port, without persistence; stopped when this script ends, also on failure.
if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends redis-server >/dev/null
    else
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
    fi
fi

redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
redis_dir=$(mktemp -d)
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --dir "$redis_dir" --daemonize no >"$redis_dir/redis.log" 2>&1 &
redis_pid=$!
stop_redis() {
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    rm -rf "$redis_dir"
}
trap stop_redis EXIT
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then
        break
    fi
    sleep 0.05
done
export PARALLELGEN_TEST_REDIS="127.0.0.1:$redis_port"

# Extra arguments go to dotnet test (a --filter, say).
dotnet test ParallelGen.sln -c Release --blame-hang-timeout 5m "$@"

# The Windows leg: tests/ParallelGen.WindowsTests and the samples Primes, FolderCopy and QueuePipeline as win-x64
# programs under Wine (installs wine64 if it can; skips with a message only if it cannot). It ends every Windows
# process it started on its way out.
tests/windows/run.sh
