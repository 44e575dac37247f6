#!/bin/sh
# Writes the compose bundle's .env: random passwords for PostgreSQL, Redis and Grafana, the TURN
# secret Parley and coturn share, and the
# public address. It never overwrites an existing file (the database keeps the first password).
#   infra/generate-secrets.sh [path, default .env] [public URL, default http://localhost:8080]
set -eu
out="${1:-.env}"
public_url="${2:-http://localhost:8080}"
if [ -e "$out" ]; then
  echo "$out exists; keeping it (delete it first to make new secrets)" >&2
  exit 1
fi
secret() { openssl rand -hex 24; }
umask 077
cat > "$out" <<ENV
# Made by infra/generate-secrets.sh. Keep it private; back it up with the volumes.
COMPOSE_PROJECT_NAME=parley
POSTGRES_PASSWORD=$(secret)
REDIS_PASSWORD=$(secret)
GRAFANA_ADMIN_PASSWORD=$(secret)
# Shared by Parley (which signs TURN credentials with it) and coturn (which checks them).
TURN_SECRET=$(secret)
PARLEY_PUBLIC_URL=$public_url
# For the nginx profile: the name in your certificate, whose files go in ./tls.
PARLEY_DOMAIN=$(echo "$public_url" | sed -e 's|^[a-z]*://||' -e 's|[:/].*$||')
# The host's public IP address, which voice and video media is advertised at (UDP 50000).
# Empty: the container's own address, which only clients on the same host can reach.
PUBLIC_IP=
ENV
echo "wrote $out"
