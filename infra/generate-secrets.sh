#!/bin/sh
# Writes the compose bundle's .env: random passwords for PostgreSQL, Redis and Grafana, the
# TURN secret Parley and coturn share, the public host name, the alert receiver, and the
# host's public IP address, which voice media (Parley's 50000/udp) and TURN relays (coturn's
# external-ip) are advertised at. Beside it, parley.env with Parley's own settings (the
# public URL first), unless one exists.
# It never overwrites an existing file (the database keeps the first password).
#   infra/generate-secrets.sh [path, default .env] [public URL, default http://localhost:8080]
#                             [public IP, default: detected, or asked for]
set -eu
out="${1:-.env}"
public_url="${2:-http://localhost:8080}"
public_ip="${3:-}"
settings="$(dirname "$out")/parley.env"
if [ -e "$out" ] && [ -e "$settings" ]; then
  echo "$out and $settings exist; keeping them (delete $out first to make new secrets)" >&2
  exit 1
fi

# Parley's own settings, beside .env (kept if it exists: it holds the operator's choices).
write_settings() {
  umask 077
  cat > "$settings" <<ENV
# Parley's settings for the compose bundle: any PARLEY_* setting of docs/configuration.md.
# The compose file adds the database, Redis, metrics, TURN and voice wiring itself.
PARLEY_PUBLIC_URL=$public_url
# nginx (the nginx profile) or another proxy in front passes the client's address; set false
# when Parley is published directly (PARLEY_TLS_MODE=acme), or clients could pick their own.
PARLEY_TRUST_FORWARDED_FOR=true
# Opens the backups the backup service writes (they hold every account and the signing key).
# Keep a copy of this line somewhere other than the backups: without it they cannot be read.
PARLEY_BACKUP_KEY=$(openssl rand -hex 32)
# With the observability profile, traces to Tempo and logs to Loki:
#PARLEY_OTLP_ENDPOINT=http://tempo:4318
#PARLEY_LOKI_URL=http://loki:3100
ENV
  echo "wrote $settings"
}
if [ -e "$out" ]; then
  # A bundle from before parley.env: its .env stays; move its PARLEY_* lines over (but
  # PARLEY_IMAGE and PARLEY_PUBLISH, which are the compose file's).
  write_settings
  echo "$out exists and was kept; move its PARLEY_* settings (but PARLEY_IMAGE and PARLEY_PUBLISH) into $settings" >&2
  exit 0
fi

is_ipv4() { echo "$1" | grep -Eq '^([0-9]{1,3}\.){3}[0-9]{1,3}$'; }
# Addresses only this network reaches: RFC 1918, carrier-grade NAT, loopback, link-local.
is_private() { echo "$1" | grep -Eq '^(10\.|127\.|169\.254\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.)'; }

if [ -n "$public_ip" ]; then
  is_ipv4 "$public_ip" || { echo "error: $public_ip is not an IPv4 address (the host's public address)" >&2; exit 1; }
else
  # The address this host sends from (no packet leaves: the kernel only looks up its route).
  detected="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')"
  if [ -n "$detected" ] && ! is_private "$detected"; then
    public_ip="$detected"
    echo "voice and TURN will be advertised at $public_ip (this host's address; pass another as the third argument)" >&2
  elif [ -t 0 ]; then
    printf 'This host sends from %s, a private address (NAT in front?).\nIts public IP address, for voice and TURN (empty: voice only reaches this network): ' "${detected:-nothing}" >&2
    read -r public_ip || public_ip=""
    [ -z "$public_ip" ] || is_ipv4 "$public_ip" || { echo "error: $public_ip is not an IPv4 address" >&2; exit 1; }
  else
    echo "warning: this host sends from ${detected:-no address} (private): set PUBLIC_IP in $out to its public address, or voice and TURN reach only this network" >&2
  fi
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
# The public host name: TURN URLs (turn:DOMAIN:3478), coturn's realm, and for the nginx
# profile the name in your certificate, whose files go in ./tls.
DOMAIN=$(echo "$public_url" | sed -e 's|^[a-z]*://||' -e 's|[:/].*$||')
# The host's public IP address: voice and video media (UDP 50000) and coturn's relays are
# advertised at it. Empty: the container's own address, which only this network reaches
# (\`parley config check\` warns).
PUBLIC_IP=$public_ip
# Where Alertmanager sends alerts (a webhook POST with Alertmanager's JSON). Empty: alerts show
# in Alertmanager's UI only.
ALERT_WEBHOOK_URL=
# The optional parts every docker compose command should include (or pass --profile each time):
#COMPOSE_PROFILES=nginx,observability
ENV
echo "wrote $out"

[ -e "$settings" ] || write_settings
