#!/bin/sh
# As the upstream image's entry point does: every /etc/nginx/templates/NAME.template becomes
# /etc/nginx/conf.d/NAME with the environment's variables filled in (only those that are set,
# so nginx's own $variables stay), then the command runs.
set -eu
if [ -d /etc/nginx/templates ]; then
  defined="$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/${\1}/p' | tr '\n' ' ')"
  for template in /etc/nginx/templates/*.template; do
    [ -f "$template" ] || continue
    name="$(basename "$template" .template)"
    envsubst "$defined" < "$template" > "/etc/nginx/conf.d/$name"
  done
fi
exec "$@"
