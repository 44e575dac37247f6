#!/usr/bin/env bash
# The communities walkthrough of docs/api.md, runnable: two people, a guild, an invite, a role
# whose overwrite hides a channel from one of them, messages, a reply, a reaction, a pin, a
# search and a DM. Needs curl and python3. A test runs it in CI against a fresh server.
#
#   docs/examples/communities-walkthrough.sh [BASE_URL] [FIRST_NAME] [SECOND_NAME]
set -euo pipefail
BASE="${1:-http://127.0.0.1:8080}"
API="$BASE/api/v10"
ANN="${2:-ann}"
BOB="${3:-bob}"
PASSWORD="correct horse battery staple"

# Reads one field from the JSON on standard input: `field id`, `field user.username`, `field 0.id`
field() { python3 -c "import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split('.'): v=v[int(k)] if isinstance(v,list) else v[k]
print(v)" "$1"; }
# From a JSON list on standard input, the id of the element whose `name` is $1
id_named() { python3 -c "import json,sys; print(next(c['id'] for c in json.load(sys.stdin) if c['name']==sys.argv[1]))" "$1"; }
step() { printf '\n== %s\n' "$*"; }
# call TOKEN METHOD PATH [JSON]: prints the response body; fails on any HTTP error
call() {
  local token=$1 method=$2 path=$3 body=()
  [ $# -ge 4 ] && body=(-H 'Content-Type: application/json' -d "$4")
  curl -fsS -X "$method" "$API$path" -H "Authorization: Bearer $token" "${body[@]}"
}
expect_status() { # expected-status, then the curl arguments
  local want=$1; shift
  local got; got=$(curl -sS -o /tmp/parley-walkthrough.$$ -w '%{http_code}' "$@")
  cat /tmp/parley-walkthrough.$$; echo; rm -f /tmp/parley-walkthrough.$$
  [ "$got" = "$want" ] || { echo "expected HTTP $want, got $got" >&2; exit 1; }
}
register() { # username [instance invite code]
  curl -fsS -X POST "$API/auth/register" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\",\"invite\":\"${2:-}\"}" | field access_token
}

step "$ANN registers first (so she is the instance admin) and invites $BOB to the instance"
A=$(register "$ANN")
# Registration is invite-only by default (PARLEY_REGISTRATION); an admin hands out codes.
INSTANCE_INVITE=$(call "$A" POST /admin/invites '{"max_uses":1}' | field code)
B=$(register "$BOB" "$INSTANCE_INVITE")
BOB_ID=$(call "$B" GET /users/@me | field id)
ANN_ID=$(call "$A" GET /users/@me | field id)

step "$ANN creates a guild; it comes with #general and a General voice channel"
GUILD=$(call "$A" POST /guilds '{"name":"Book Club"}' | field id)
GENERAL=$(call "$A" GET "/guilds/$GUILD/channels" | id_named general)
echo "guild $GUILD, #general $GENERAL"

step "$ANN invites $BOB; $BOB previews the invite and joins"
CODE=$(call "$A" POST "/channels/$GENERAL/invites" '{"max_age":3600,"max_uses":5}' | field code)
curl -fsS "$API/invites/$CODE"; echo
call "$B" POST "/invites/$CODE" > /dev/null
echo "$BOB joined with invite $CODE"

step "A #spoilers channel, and a Newcomer role whose overwrite hides it"
SPOILERS=$(call "$A" POST "/guilds/$GUILD/channels" '{"name":"spoilers","topic":"Only for those who finished"}' | field id)
NEWCOMER=$(call "$A" POST "/guilds/$GUILD/roles" '{"name":"Newcomer","color":3447003}' | field id)
# deny 1024 = VIEW_CHANNEL, for the role (type 0)
call "$A" PUT "/channels/$SPOILERS/permissions/$NEWCOMER" '{"type":0,"allow":"0","deny":"1024"}'
call "$A" PUT "/guilds/$GUILD/members/$BOB_ID/roles/$NEWCOMER"
echo "$BOB is a Newcomer now"

step "$BOB no longer sees #spoilers: not in the channel list, and 403 (50001) when asked directly"
call "$B" GET "/guilds/$GUILD/channels" | python3 -c "import json,sys; print('channels $BOB sees:', sorted(c['name'] for c in json.load(sys.stdin)))"
expect_status 403 "$API/channels/$SPOILERS/messages" -H "Authorization: Bearer $B"

step "$ANN still posts there"
call "$A" POST "/channels/$SPOILERS/messages" '{"content":"The butler did it."}' | field content

step "Messages in #general, and a reply"
WELCOME=$(call "$A" POST "/channels/$GENERAL/messages" "{\"content\":\"Welcome <@$BOB_ID>! This month: Dune.\"}" | field id)
REPLY=$(call "$B" POST "/channels/$GENERAL/messages" \
  "{\"content\":\"Thanks! Halfway through already.\",\"message_reference\":{\"message_id\":\"$WELCOME\"}}")
echo "$REPLY" | python3 -c "import json,sys; m=json.load(sys.stdin); print('reply, type', m['type'], 'to', m['message_reference']['message_id'])"
REPLY_ID=$(echo "$REPLY" | field id)

step "$ANN reacts to the reply, then pins the welcome"
call "$A" PUT "/channels/$GENERAL/messages/$REPLY_ID/reactions/%F0%9F%91%8D/@me"
call "$A" PUT "/channels/$GENERAL/pins/$WELCOME"
call "$B" GET "/channels/$GENERAL/pins" | python3 -c "import json,sys; print('pinned:', [m['content'] for m in json.load(sys.stdin)])"
call "$B" GET "/channels/$GENERAL/messages?limit=2" | python3 -c "
import json,sys
for m in json.load(sys.stdin): print(m['author']['username'], '|', m['content'], '|', [(r['emoji']['name'], r['count']) for r in m.get('reactions', [])])"

step "$BOB searches the guild (only channels $BOB can read are searched)"
call "$B" GET "/guilds/$GUILD/messages/search?content=dune" | python3 -c "import json,sys; r=json.load(sys.stdin); print('results:', r['total_results'], [m[0]['content'] for m in r['messages']])"
call "$B" GET "/guilds/$GUILD/messages/search?content=butler" | python3 -c "import json,sys; print('spoiler results for $BOB:', json.load(sys.stdin)['total_results'])"

step "$BOB opens a DM with $ANN and writes"
DM=$(call "$B" POST /users/@me/channels "{\"recipient_id\":\"$ANN_ID\"}" | field id)
call "$B" POST "/channels/$DM/messages" '{"content":"Psst, no spoilers please!"}' | field content

step "$ANN finds the DM in her list, unread, and reads it"
call "$A" GET /users/@me/channels | python3 -c "import json,sys; print([(c['type'], [r['username'] for r in c['recipients']]) for c in json.load(sys.stdin)])"
call "$A" GET /users/@me/read-states | python3 -c "
import json,sys
for s in json.load(sys.stdin):
    if s['channel_id'] == '$DM': print('DM unread:', s['unread'], 'mentions:', s['mention_count'])"
call "$A" GET "/channels/$DM/messages" | python3 -c "import json,sys; print([m['content'] for m in json.load(sys.stdin)])"

printf '\nWalkthrough complete.\n'
