#!/usr/bin/env bash
# Single-node OpenStack Swift + s3api (a SigV4-verifying S3 endpoint) on loopback, no Docker.
# Adapted from ../shared/emulators/swift-s3.sh so parallel runs never collide: every port and the
# base directory come from the environment (test/support/swift.ts picks free ports from the OS).
# Requires: apt-get install -y --no-install-recommends swift swift-proxy swift-account swift-container swift-object
# S3 credentials: access key "test:tester", secret "testing", region us-east-1, path-style.
#
# Environment:
#   SWIFT_BASE            throwaway directory (deleted and re-created)           required
#   SWIFT_S3_PORT         proxy (S3) port                                         required
#   SWIFT_ACCOUNT_PORT, SWIFT_CONTAINER_PORT, SWIFT_OBJECT_PORT                   required
# The proxy's cache filter is swift_memory_cache.py beside this script (a dict in the proxy's one
# process instead of memcached, which is not installed here and which parallel instances would share).
# Writes $SWIFT_BASE/run/<server>.pid and .log (swift_servers.py); the caller stops the servers by those PIDs.
set -euo pipefail
: "${SWIFT_BASE:?}" "${SWIFT_S3_PORT:?}" "${SWIFT_ACCOUNT_PORT:?}" "${SWIFT_CONTAINER_PORT:?}" "${SWIFT_OBJECT_PORT:?}"
B=$SWIFT_BASE; U=$(id -un)
rm -rf "$B"; mkdir -p "$B/etc" "$B/srv/d1" "$B/run"
cd "$B/etc"
# bind_timeout: a port someone else holds fails the start in 3 s instead of Swift's 30, and the
# caller retries on fresh ports (swift_servers.py names the failure "Address already in use").
servers="account:$SWIFT_ACCOUNT_PORT container:$SWIFT_CONTAINER_PORT object:$SWIFT_OBJECT_PORT"
common="[DEFAULT]
bind_ip = 127.0.0.1
user = $U
swift_dir = $B/etc
devices = $B/srv
mount_check = false
workers = 0
log_level = WARNING
bind_timeout = 3
"
# No access log lines: at log_level WARNING they were formatted for every request and then dropped.
for t in $servers; do n=${t%%:*}; p=${t##*:}
  printf "%sbind_port = %s\n[pipeline:main]\npipeline = %s-server\n[app:%s-server]\nuse = egg:swift#%s\nlog_requests = false\n" "$common" "$p" "$n" "$n" "$n" > "$n-server.conf"
done
cat > proxy-server.conf <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $SWIFT_S3_PORT
user = $U
swift_dir = $B/etc
workers = 0
log_level = WARNING
bind_timeout = 3
[pipeline:main]
# What s3api needs (tempauth for the test:tester key, slo for multipart uploads, copy) and what the
# proxy inserts anyway (catch_errors gatekeeper listing_formats copy dlo versioned_writes); no
# proxy-logging (two access log lines formatted per request, then dropped at WARNING) and no
# healthcheck (readiness comes from the servers themselves, see swift_servers.py).
pipeline = catch_errors gatekeeper cache listing_formats s3api tempauth copy slo dlo proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:cache]
paste.filter_factory = swift_memory_cache:filter_factory
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
cors_preflight_allow_origin = ${S3_CORS_ORIGIN:-*}
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Rings, the four servers and the wait for them: swift_servers.py, one interpreter importing Swift
# once and forking the servers, each of which says when it listens (no polling).
PYTHONPATH="$HERE" /usr/bin/python3 "$HERE/swift_servers.py" "$B" $servers
echo "swift s3api ready on 127.0.0.1:$SWIFT_S3_PORT"
