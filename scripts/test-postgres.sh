#!/usr/bin/env bash
# Makes sure a local PostgreSQL server runs (installing Debian's package if
# needed) with a role that may create databases, then prints its admin URL
# for the integration tests (TEST_POSTGRES_URL). Used by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
say() { printf '\033[1m[postgres]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[postgres] error:\033[0m %s\n' "$*" >&2; exit 1; }

command -v pg_ctlcluster >/dev/null || apt_install postgresql "the tests on PostgreSQL"
version=$(ls /etc/postgresql | sort -V | tail -1)
[ -n "$version" ] || die "no PostgreSQL cluster under /etc/postgresql"
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
  say "starting PostgreSQL $version"
  $as_root pg_ctlcluster "$version" main start >&2
fi
psql_admin() { $as_root su postgres -c "psql -qtAX -c \"$1\""; }
for _ in $(seq 1 30); do
  psql_admin "SELECT 1" >/dev/null 2>&1 && break
  sleep 0.5
done
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = 'meetings_test'")" != "1" ]; then
  say "creating the role meetings_test"
  psql_admin "CREATE ROLE meetings_test LOGIN PASSWORD 'meetings_test' CREATEDB" >&2
fi
# Drop the databases that earlier runs left behind.
for db in $(psql_admin "SELECT datname FROM pg_database WHERE datname LIKE 'mr_test_%'"); do
  psql_admin "DROP DATABASE IF EXISTS $db" >&2
done
echo "postgres://meetings_test:meetings_test@127.0.0.1:5432/postgres"
