#!/bin/sh
# SPDX-License-Identifier: ISC
# pushprobe as a plugin under a real monitoring core: Debian's nagios4,
# with its own configuration in the test's directory (a host, two services
# whose check commands run pushprobe in the lab's client namespace, a check
# every 2 seconds), started as a process by the test and stopped at the
# end.  The state Nagios records in status.dat is asserted: OK for a
# healthy lab, WARNING with 5223 rejected (push degraded), CRITICAL with
# Apple's hosts blocked, UNKNOWN for a bad option.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
NAGIOS=$(command -v nagios4 || command -v /usr/sbin/nagios4 || true)
[ -n "$NAGIOS" ] || lab_skip "nagios4 (Debian's nagios4-core) is not installed"
lab_up
D=$LAB_TMP/nagios
mkdir -p "$D/spool"
IP=$(command -v ip)

# The check command: pushprobe in the client namespace against the lab's
# DNS and CA; $ARG1$ adds the service's own arguments.
cat >"$D/objects.cfg" <<EOF
define command {
    command_name check_pushprobe
    command_line $IP netns exec $NS_C $PUSHPROBE --no-config --nagios --resolver 203.0.113.53 --apple-ca $LAB_TMP/certs/apple-root.pem --timeout 2 -4 \$ARG1\$
}
define command {
    command_name host_up
    command_line /bin/true
}
define timeperiod {
    timeperiod_name always
    alias always
    sunday 00:00-24:00
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
}
define contact {
    contact_name nobody
    host_notifications_enabled 0
    service_notifications_enabled 0
    host_notification_period always
    service_notification_period always
    host_notification_options n
    service_notification_options n
    host_notification_commands host_up
    service_notification_commands host_up
}
define host {
    host_name lab-client
    address 10.10.0.2
    check_command host_up
    max_check_attempts 1
    check_period always
    contacts nobody
    notification_period always
    notifications_enabled 0
}
define service {
    host_name lab-client
    service_description apple-push
    check_command check_pushprobe
    max_check_attempts 1
    check_interval 2
    retry_interval 2
    check_period always
    contacts nobody
    notification_period always
    notifications_enabled 0
}
define service {
    host_name lab-client
    service_description bad-option
    check_command check_pushprobe!--timeout soon
    max_check_attempts 1
    check_interval 2
    retry_interval 2
    check_period always
    contacts nobody
    notification_period always
    notifications_enabled 0
}
EOF
# interval_length=1: check_interval counts seconds.
cat >"$D/nagios.cfg" <<EOF
log_file=$D/nagios.log
cfg_file=$D/objects.cfg
object_cache_file=$D/objects.cache
precached_object_file=$D/objects.precache
status_file=$D/status.dat
status_update_interval=1
temp_file=$D/nagios.tmp
temp_path=$D
lock_file=$D/nagios.lock
check_result_path=$D/spool
state_retention_file=$D/retention.dat
retain_state_information=0
use_retained_program_state=0
use_retained_scheduling_info=0
command_file=$D/nagios.cmd
check_external_commands=0
nagios_user=root
nagios_group=root
interval_length=1
max_service_check_spread=1
max_host_check_spread=1
check_result_reaper_frequency=1
service_check_timeout=60
enable_notifications=0
enable_event_handlers=0
enable_flap_detection=0
execute_service_checks=1
execute_host_checks=1
use_syslog=0
log_rotation_method=n
EOF
if ! "$NAGIOS" -v "$D/nagios.cfg" >"$D/verify.log" 2>&1; then
    echo "FAIL: nagios4 -v refuses the test's configuration"
    cat "$D/verify.log"
    exit 1
fi
"$NAGIOS" "$D/nagios.cfg" >"$D/stdout.log" 2>&1 &
LAB_PIDS="$LAB_PIDS $!"

# state SERVICE [KEY]: "current_state last_check plugin_output" from
# status.dat, or the value of KEY.
state() {
    python3 - "$D/status.dat" "$@" <<'PY'
import sys
try:
    text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
except OSError:
    sys.exit(0)
for block in text.split("servicestatus {")[1:]:
    kv = dict(l.strip().split("=", 1) for l in block.split("}")[0].splitlines() if "=" in l)
    if kv.get("service_description") == sys.argv[2] and kv.get("has_been_checked") == "1":
        if len(sys.argv) > 3:
            print(kv.get(sys.argv[3], ""))
        else:
            print(kv["current_state"], kv["last_check"], kv.get("plugin_output", ""))
PY
}

# recorded SERVICE WANT WHAT: wait (at most 90 s) for a check that started
# after now, then assert the state Nagios recorded for it.
recorded() {
    since=$(date +%s)
    got=""
    i=0
    while [ $i -lt 180 ]; do
        got=$(state "$1")
        last=$(echo "$got" | cut -d' ' -f2)
        [ -n "$last" ] && [ "$last" -gt "$since" ] && break
        got=""
        sleep 0.5
        i=$((i + 1))
    done
    st=$(echo "$got" | cut -d' ' -f1)
    if [ -n "$got" ] && [ "$st" = "$2" ]; then
        echo "ok: nagios4 records $1 as state $2 ($3): ${got#* * }"
    else
        echo "FAIL: nagios4's state for $1: want $2 ($3), got '${got:-no check in 90 s}'"
        LAB_FAILS=$((LAB_FAILS + 1))
        tail -20 "$D/nagios.log"
    fi
}

recorded apple-push 0 "OK: a healthy lab"
recorded bad-option 3 "UNKNOWN: --timeout soon"
lab_fw meta nfproto ipv4 tcp dport 5223 reject with icmp type admin-prohibited
recorded apple-push 1 "WARNING: 5223 rejected, push through 443"
lab_fw tcp dport 443 ip daddr 17.57.144.10 reject with icmp type admin-prohibited
recorded apple-push 2 "CRITICAL: the courier blocked on 5223 and 443"
# The perfdata and the long output reach Nagios apart from the summary.
perf=$(state apple-push performance_data)
long=$(state apple-push long_plugin_output)
if echo "$perf" | grep -Eq '^checks=[0-9]+;;;0 .*slowest=[0-9.]+ms;;;0 duration=[0-9.]+s;;;0$' &&
   echo "$long" | grep -q 'APNS_BLOCKED: ' && ! echo "$long" | grep -q 'PUSHPROBE'; then
    echo "ok: nagios4 keeps the perfdata ($perf) and the long output apart"
else
    echo "FAIL: nagios4's perfdata '$perf' or long output '$long'"
    LAB_FAILS=$((LAB_FAILS + 1))
fi
lab_r nft flush chain inet lab forward
recorded apple-push 0 "OK again once the firewall lets it through"
lab_finish
