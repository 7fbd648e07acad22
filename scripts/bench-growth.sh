#!/usr/bin/env bash
# The cost of growth (#31): chat throughput and p99 of a release build with 10, 10,000 and 1,000,000 users, each
# with one API key, on SQLite and on PostgreSQL (a throwaway one from scripts/postgres.sh), on 127.0.0.1 with wrk.
# Three loads a size: every request with the same key (the credential cache answers); every request with a key
# drawn at random from all of them (the cache of 10,000 answers all of 10, some of 10,000, nearly none of a
# million: the rest are looked up in the database); and the same with the cache off (every request looks its key
# up: the cost of the lookup alone). The lookup is by the key's hash through a unique B-tree index (O(log n) pages,
# some of them not in memory at a million); the ratios over the smallest size say what growth costs.
# The users and keys are written straight into a migrated database (keys `sk-` and 43 digits of their number, so
# the load can make any of them), not through the API: a million registrations would take hours of bcrypt.
# Bounded: each load lasts DURATION seconds (default 10); SIZES (default "10 10000 1000000") sets the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${SIZES:-10 10000 1000000}
source scripts/bench-lib.sh
# Its own data directory, outside $work (which only this user may enter; PostgreSQL runs as another).
export PGSTATE="${TMPDIR:-/tmp}/ai-worker-growth-postgres"
pg_url=$(bash scripts/postgres.sh start "$(free_port)")
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; bash scripts/postgres.sh stop' EXIT
quiet=(BCRYPT_COST=10 RATE_LIMIT_AUTH_PER_MINUTE=0 RATE_LIMIT_CHAT_PER_MINUTE=0 RATE_LIMIT_AUTH_FAILURES_PER_MINUTE=0 LOG_LEVEL=error)
# What every user's password hash column holds: no password matches it (no request here logs in).
hash='growth-users-have-no-password'

# seed_sqlite FILE N: N users and keys into a migrated SQLite file.
seed_sqlite() {
  python3 - "$1" "$2" "$hash" <<'PY'
import hashlib, sqlite3, sys
path, count, password_hash = sys.argv[1], int(sys.argv[2]), sys.argv[3]
db = sqlite3.connect(path)
now = "2026-12-07T00:00:00Z"
db.executemany("INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)",
               ((f"user-{i}", f"growth-{i}@example.com", password_hash, now) for i in range(1, count + 1)))
def key(i):
    secret = f"sk-{i:043d}"
    return (f"key-{i}", f"user-{i}", hashlib.sha256(secret.encode()).hexdigest(), secret[:10], "growth", now)
db.executemany("INSERT INTO api_keys (id, user_id, key_hash, prefix, name, created_at) VALUES (?, ?, ?, ?, ?, ?)",
               (key(i) for i in range(1, count + 1)))
db.commit()
PY
}
# seed_postgres URL N: the same into a migrated PostgreSQL database.
seed_postgres() {
  psql -q -v ON_ERROR_STOP=1 "$1" <<SQL
INSERT INTO users (id, email, password_hash, created_at)
  SELECT 'user-' || i, 'growth-' || i || '@example.com', '$hash', '2026-12-07T00:00:00Z' FROM generate_series(1, $2) i;
INSERT INTO api_keys (id, user_id, key_hash, prefix, name, created_at)
  SELECT 'key-' || i, 'user-' || i, encode(sha256(convert_to('sk-' || lpad(i::text, 43, '0'), 'UTF8')), 'hex'),
         left('sk-' || lpad(i::text, 43, '0'), 10), 'growth', '2026-12-07T00:00:00Z' FROM generate_series(1, $2) i;
ANALYZE;
SQL
}
# key_script FILE N: a wrk script posting a chat with the key of a user drawn at random from N on every request.
key_script() {
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = '{"messages":[{"role":"user","content":"Hello there"}]}'
wrk.headers["Content-Type"] = "application/json"
function init(args) math.randomseed(os.time() + math.floor(os.clock() * 1000000)) end
function request()
  wrk.headers["X-API-Key"] = string.format("sk-%043d", math.random($2))
  return wrk.format()
end
function response(status)
  if status ~= 200 then io.stderr:write("status " .. status .. "\n") end
end
LUA
}

echo "Release build; wrk -t2 -c$connections -d${duration}s on 127.0.0.1; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)."
header "Chat with the mock backend, rate limits off, LOG_LEVEL=error; n users, one key each"
for storage in sqlite postgres; do
  for n in $sizes; do
    name="$storage-$n"
    t0=$(date +%s)
    if [ "$storage" = sqlite ]; then
      settings=(DATABASE_PATH="$work/$name.sqlite")
      env "${settings[@]}" JWT_SECRET="$secret" "$bin/server" migrate >/dev/null
      seed_sqlite "$work/$name.sqlite" "$n"
    else
      database="growth_$n"
      psql -q "$pg_url" -c "CREATE DATABASE $database"
      settings=(DATABASE_URL="${pg_url%/*}/$database?sslmode=disable")
      env "${settings[@]}" JWT_SECRET="$secret" "$bin/server" migrate >/dev/null
      seed_postgres "${pg_url%/*}/$database" "$n"
    fi
    echo "$(( $(date +%s) - t0 ))" >"$work/$name.seconds"
    start "$name" "${quiet[@]}" "${settings[@]}"
    chat_script "$work/one.lua" X-API-Key "sk-$(printf '%043d' 1)"
    key_script "$work/any.lua" "$n"
    load "$name-one-key" "$base/chat/completions" "$work/one.lua"
    load "$name-any-key" "$base/chat/completions" "$work/any.lua"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    start "$name-uncached" "${quiet[@]}" "${settings[@]}" CREDENTIAL_CACHE_SIZE=0
    load "$name-any-key-uncached" "$base/chat/completions" "$work/any.lua"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done

echo
python3 - "$work" "$sizes" <<'PY'
import pathlib, sys
work, sizes = pathlib.Path(sys.argv[1]), sys.argv[2].split()
value = lambda name, kind: float((work / f"{name}.{kind}").read_text())
print("Ratios in this run (requests/s and p99 at each size over the smallest size's, same storage and load;")
print("seconds to write the users and keys):")
for storage in ("sqlite", "postgres"):
    for load in ("one-key", "any-key", "any-key-uncached"):
        base = f"{storage}-{sizes[0]}-{load}"
        for n in sizes:
            name = f"{storage}-{n}-{load}"
            print(f"  {storage:9} {load:16} {int(n):>9,} users: requests/s {value(name, 'rps') / value(base, 'rps'):.2f}"
                  f"  p99 {value(name, 'p99') / value(base, 'p99'):.2f}"
                  f"  (written in {value(f'{storage}-{n}', 'seconds'):.0f} s)")
PY
