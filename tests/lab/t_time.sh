#!/bin/sh
# SPDX-License-Identifier: ISC
# time.apple.com over SNTP (chronyd in the lab): the offset is reported;
# UDP 123 dropped by the router is filtered; no server is closed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up

J=$LAB_TMP/time.json
pp_run "$J" --timeout 2 -4
jcheck "$J" 'c("time.apple.com", 123)["state"] == "ok" and c("time.apple.com", 123)["probe"] == "time"' "SNTP answer from chronyd"
jcheck "$J" 'abs(c("time.apple.com", 123)["details"]["offset_s"]) < 5 and c("time.apple.com", 123)["details"]["stratum"] == 8' "offset and stratum reported"

lab_fw meta nfproto ipv4 udp dport 123 drop
J=$LAB_TMP/time-dropped.json
pp_run "$J" --timeout 1.5 -4
jcheck "$J" 'c("time.apple.com", 123)["state"] == "filtered" and c("time.apple.com", 123)["reason"] == "no-response"' "UDP 123 dropped: filtered"
lab_r nft flush chain inet lab forward

kill $(cat "$LAB_TMP/chronyd.pid") 2>/dev/null
sleep 0.3
J=$LAB_TMP/time-closed.json
pp_run "$J" --timeout 2 -4
jcheck "$J" 'c("time.apple.com", 123)["state"] == "closed" and c("time.apple.com", 123)["reason"] == "port-unreach"' "no NTP server: closed (port unreachable)"
lab_finish
