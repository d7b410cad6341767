#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL cluster on 127.0.0.1 for the store tests, as root.
#   .ci/postgres.sh start DIR   → initdb into DIR, start on a free port, print the variables to export
#   .ci/postgres.sh stop DIR    → stop it and remove DIR
# The cluster asks for a password (scram-sha-256) on TCP, so the tests can check logins that fail, and offers TLS
# with a certificate of its own authority (for 127.0.0.1 and localhost), so they can check sslmode=verify-full.
# fsync is off (a throwaway cluster), unless WELLBEING_TEST_POSTGRES_FSYNC=on (benchmarks on a durable server).
set -euo pipefail
action=${1:?start or stop}
dir=${2:?a folder for the cluster}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ "$action" = stop ]; then
  su postgres -c "$bin/pg_ctl -D '$dir/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi
mkdir -p "$dir"
chown postgres "$dir"
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$password" > "$dir/password"
chown postgres "$dir/password"
chmod 600 "$dir/password"
su postgres -c "$bin/initdb -D '$dir/data' -U wellbeing_test --pwfile='$dir/password' --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8" >/dev/null
# A certificate authority and a server certificate signed by it, valid for 127.0.0.1 and localhost.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wellbeing test CA" \
  -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/data/server.key" -out "$dir/server.csr" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$dir/san.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
  -extfile "$dir/san.ext" -out "$dir/data/server.crt" >/dev/null 2>&1
chown postgres "$dir/data/server.key" "$dir/data/server.crt"
chmod 600 "$dir/data/server.key"
chmod 644 "$dir/ca.crt"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
su postgres -c "$bin/pg_ctl -D '$dir/data' -l '$dir/log' -w -o \"-k '$dir' -c listen_addresses=127.0.0.1 -p $port -c max_connections=200 -c fsync=${WELLBEING_TEST_POSTGRES_FSYNC:-off} -c ssl=on\" start" >/dev/null
echo "export WELLBEING_TEST_POSTGRES=postgresql://wellbeing_test@127.0.0.1:$port/postgres"
echo "export WELLBEING_TEST_POSTGRES_PASSWORD=$password"
echo "export WELLBEING_TEST_POSTGRES_CA=$dir/ca.crt"
