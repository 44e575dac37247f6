#!/usr/bin/env bash
# The accounts walkthrough of docs/api.md, runnable: register, read my profile, log in
# from a second device, list sessions, refresh, and watch a replayed refresh token get
# refused and revoke its session. Needs curl and python3. A test runs it in CI.
#
#   docs/examples/accounts-walkthrough.sh [BASE_URL] [USERNAME]
set -euo pipefail
BASE="${1:-http://127.0.0.1:8080}"
API="$BASE/api/v10"
NAME="${2:-alice}"
PASSWORD="correct horse battery staple"

# Reads one field from the JSON on standard input: field token_type, or field user.username
field() { python3 -c "import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split('.'): v=v[k]
print(v)" "$1"; }
post() { curl -sS -X POST "$API$1" -H 'Content-Type: application/json' "${@:2}"; }
step() { printf '\n== %s\n' "$*"; }
expect_status() { # expected-status, then the curl arguments
  local want=$1; shift
  local got; got=$(curl -sS -o /tmp/parley-walkthrough.$$ -w '%{http_code}' "$@")
  cat /tmp/parley-walkthrough.$$; echo; rm -f /tmp/parley-walkthrough.$$
  [ "$got" = "$want" ] || { echo "expected HTTP $want, got $got" >&2; exit 1; }
}

step "Is Parley up, and how does it let people in?"
curl -fsS "$BASE/health"; echo
curl -fsS "$API/instance"; echo

step "Register $NAME (the first account on an instance needs no invite and becomes its admin)"
REGISTERED=$(post /auth/register -f -d "{\"username\":\"$NAME\",\"password\":\"$PASSWORD\"}")
ACCESS=$(echo "$REGISTERED" | field access_token)
echo "signed in as $(echo "$REGISTERED" | field user.username), session $(echo "$REGISTERED" | field session_id)"

step "Who am I?"
curl -fsS "$API/users/@me" -H "Authorization: Bearer $ACCESS"; echo

step "Log in again from a second device"
LOGIN=$(post /auth/login -f -H 'X-Parley-Device-Id: walkthrough-phone-1' \
  -d "{\"login\":\"$NAME\",\"password\":\"$PASSWORD\",\"device_name\":\"My phone\"}")
PHONE_ACCESS=$(echo "$LOGIN" | field access_token)
REFRESH=$(echo "$LOGIN" | field refresh_token)

step "My sessions (one per device; the phone's is current here)"
curl -fsS "$API/auth/sessions" -H "Authorization: Bearer $PHONE_ACCESS"; echo

step "Refresh: spend the refresh token for new tokens"
REFRESHED=$(post /auth/refresh -f -d "{\"refresh_token\":\"$REFRESH\"}")
NEW_ACCESS=$(echo "$REFRESHED" | field access_token)
echo "new refresh token issued: $(echo "$REFRESHED" | field refresh_token | cut -c1-12)..."

step "Replay the spent refresh token: refused with code 90002, and the phone's session is revoked"
expect_status 401 -X POST "$API/auth/refresh" -H 'Content-Type: application/json' -d "{\"refresh_token\":\"$REFRESH\"}"

step "The phone's newest access token no longer works (code 40001)"
expect_status 401 "$API/users/@me" -H "Authorization: Bearer $NEW_ACCESS"

step "The first device is untouched"
expect_status 200 "$API/users/@me" -H "Authorization: Bearer $ACCESS"

printf '\nWalkthrough complete.\n'
