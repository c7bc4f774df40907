#!/usr/bin/env bash
# A throwaway single-node Ceph cluster with the RADOS Gateway as a loopback S3, for the tests:
# one monitor, one OSD on the in-memory object store (memstore: no device, nothing kept), and
# radosgw (beast) on 127.0.0.1, with cephx off. test/support/ceph.ts picks the ports, owns the base
# directory, and stops the daemons by the PIDs this script leaves in $CEPH_BASE/run/*.pid.
# Requires: apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common
#
# Environment (all required):
#   CEPH_BASE          empty directory for config, state, logs and pid files
#   CEPH_MON_V2_PORT   monitor, msgr v2          CEPH_MON_V1_PORT   monitor, msgr v1
#   CEPH_OSD_PORTS     "min-max": the OSD binds its 4-6 sockets in this window, skipping ports in use
#   CEPH_RGW_PORT      the S3 endpoint
#   CEPH_FSID, CEPH_OSD_UUID              UUIDs for the cluster and the OSD
#   CEPH_ACCESS_KEY, CEPH_SECRET_KEY      the S3 user's keys
set -euo pipefail
: "${CEPH_BASE:?}" "${CEPH_MON_V2_PORT:?}" "${CEPH_MON_V1_PORT:?}" "${CEPH_OSD_PORTS:?}" "${CEPH_RGW_PORT:?}"
: "${CEPH_FSID:?}" "${CEPH_OSD_UUID:?}" "${CEPH_ACCESS_KEY:?}" "${CEPH_SECRET_KEY:?}"
B=$CEPH_BASE
export CEPH_CONF=$B/ceph.conf
MON_ADDRS="[v2:127.0.0.1:$CEPH_MON_V2_PORT,v1:127.0.0.1:$CEPH_MON_V1_PORT]"

fail() {
  echo "ceph-rgw.sh: $*" >&2
  for f in "$B"/log/*.log; do [[ -f $f ]] && { echo "--- $f" >&2; tail -n 8 "$f" >&2; }; done
  exit 1
}

mkdir -p "$B/run" "$B/log" "$B/mon.a" "$B/osd.0"
cat > "$CEPH_CONF" <<CONF
[global]
fsid = $CEPH_FSID
mon_host = $MON_ADDRS
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv6 = false
ms_bind_port_min = ${CEPH_OSD_PORTS%-*}
ms_bind_port_max = ${CEPH_OSD_PORTS#*-}
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
# Clients default to "secure" mode with the monitors, which needs cephx: without it radosgw
# hangs at start (get_initial_auth_request returned -13).
ms_client_mode = crc
ms_mon_client_mode = crc
keyring = $B/keyring
run_dir = $B/run
admin_socket = $B/run/\$name.asok
pid_file = $B/run/\$name.pid
log_file = $B/log/\$name.log
debug_ms = 0/0
# One OSD: pools of one replica, few placement groups, no warnings about either.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
# The base directory sits on whatever disk /tmp is; do not refuse to run when it is nearly full.
mon_data_avail_warn = 1
mon_data_avail_crit = 0

[mon]
mon_data = $B/mon.\$id
# Every map change waits one paxos interval (1 s by default); radosgw creates its pools one by
# one on first start, which made a start take about 20 s.
paxos_propose_interval = 0.05
paxos_min_wait = 0.01

[osd]
osd_data = $B/osd.\$id
osd_objectstore = memstore
memstore_device_bytes = 1073741824
osd_op_num_shards = 1
osd_op_num_threads_per_shard = 2

[client.rgw]
rgw_frontends = beast endpoint=127.0.0.1:$CEPH_RGW_PORT
pid_file = $B/run/radosgw.pid
log_file = $B/log/radosgw.log
debug_rgw = 0/1
CONF

# The monitor: an empty store from a one-monitor map. With cephx off the keyring is only read.
ceph-authtool --create-keyring "$B/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$CEPH_FSID" --addv a "$MON_ADDRS" --enable-all-features "$B/monmap" >/dev/null
ceph-mon --mkfs -i a --monmap "$B/monmap" --keyring "$B/keyring" 2>"$B/log/mon-mkfs.err" || fail "mon mkfs failed: $(cat "$B/log/mon-mkfs.err")"
ceph-mon -i a || fail "ceph-mon did not start"

# The OSD: registered with the monitor (the CLI waits for it to answer), then formatted and started.
id=$(timeout 90 ceph --connect-timeout 60 osd new "$CEPH_OSD_UUID" 2>"$B/log/osd-new.err") || fail "osd new failed: $(cat "$B/log/osd-new.err")"
[[ $id == 0 ]] || fail "osd new answered \"$id\", expected 0"
ceph-osd -i 0 --mkfs --osd-uuid "$CEPH_OSD_UUID" >"$B/log/osd-mkfs.out" 2>&1 || fail "osd mkfs failed: $(tail -n 5 "$B/log/osd-mkfs.out")"
ceph-osd -i 0 2>"$B/log/osd.err" || fail "ceph-osd did not start: $(cat "$B/log/osd.err")"

# The gateway returns once it has created its pools (which needs the OSD up); then the S3 user.
timeout 120 radosgw -n client.rgw 2>"$B/log/radosgw.err" || fail "radosgw did not start: $(cat "$B/log/radosgw.err")"
for _ in $(seq 1 600); do
  curl -s -o /dev/null -m 2 "http://127.0.0.1:$CEPH_RGW_PORT/" && break
  sleep 0.05
done
curl -s -o /dev/null -m 2 "http://127.0.0.1:$CEPH_RGW_PORT/" || fail "no S3 answer on 127.0.0.1:$CEPH_RGW_PORT"
timeout 60 radosgw-admin user create --uid upgrant --display-name upgrant \
  --access-key "$CEPH_ACCESS_KEY" --secret-key "$CEPH_SECRET_KEY" >"$B/log/user.out" 2>&1 || fail "user create failed: $(tail -n 5 "$B/log/user.out")"
echo "ceph rgw ready on 127.0.0.1:$CEPH_RGW_PORT"
