#!/bin/sh
# First start only: point the proxy at api-blue. Afterwards the file belongs to the blue-green switch
# (python -m aptichat.deploy.bluegreen), which rewrites it and reloads nginx.
set -eu
target=/etc/nginx/aptichat/active-upstream.conf
if [ ! -s "$target" ]; then
    cat > "$target" <<'CONF'
# managed by aptichat.deploy.bluegreen; active=blue
upstream aptichat_api {
    server api-blue:8000;
    keepalive 32;
}
CONF
fi
