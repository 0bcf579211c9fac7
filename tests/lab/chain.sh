# SPDX-License-Identifier: ISC
# A lab of routed hops, for path traces: sourced after lab.sh by
# tests/lab/t_trace.sh and bench/trace.sh.
#
#   client (NS_C) -- router 1 -- router 2 -- ... -- router L-1 -- far (NS_I)
#
# chain_net "V4 V6" ...: one word pair per link, client side first: the
# link's IPv4 /24 as three octets and its IPv6 /64 prefix ending in "::".
# The upper end of link i is X.1 (router i's address toward the client,
# the one its ICMP errors come from: hop i), the lower end X.2.  The far
# side (the last node) holds the fake Apple hosts on its loopback, as
# lab.sh's inet namespace does, and 203.0.113.53 for DNS when its link is
# 203.0.113.0/24; its interface is i0 and the client's c0, as in lab.sh.
# Routers are named ppn<id>x<i>; chain_down removes them.  Every router
# forwards, answers every ICMP error (no rate limit) and has a filter
# table "inet hop" with chains forward and input and a nat prerouting
# chain for scenarios (chain_nft I RULE...).

CHAIN_NODES=""

chain_node() {
    case "$1" in
    0) echo "$NS_C" ;;
    "$CHAIN_L") echo "$NS_I" ;;
    *) echo "ppn${LAB_ID}x$1" ;;
    esac
}

chain_down() {
    for ns in $CHAIN_NODES; do
        pids=$(ip netns pids "$ns" 2>/dev/null)
        [ -n "$pids" ] && kill $pids 2>/dev/null
    done
    sleep 0.1
    for ns in $CHAIN_NODES; do
        pids=$(ip netns pids "$ns" 2>/dev/null)
        [ -n "$pids" ] && kill -9 $pids 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
    lab_down
}

chain_net() {
    CHAIN_L=$#
    i=0
    while [ $i -le "$CHAIN_L" ]; do
        ns=$(chain_node $i)
        ip netns add "$ns" || lab_skip "cannot create network namespaces"
        case "$ns" in ppn*) CHAIN_NODES="$CHAIN_NODES $ns" ;; esac
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
            net.ipv6.conf.default.accept_dad=0 net.ipv4.icmp_ratelimit=0 \
            net.ipv6.icmp.ratelimit=0
        ip -n "$ns" link set lo up
        i=$((i + 1))
    done
    # Links: lower side dN (client c0), upper side uN (far side i0).
    i=1
    for pair in "$@"; do
        set -- $pair
        v4=$1 v6=$2
        lo=$(chain_node $((i - 1))) up=$(chain_node $i)
        ld=d$i ud=u$i
        [ $i -eq 1 ] && ld=c0
        [ $i -eq "$CHAIN_L" ] && ud=i0
        ip link add "$ld" netns "$lo" type veth peer name "$ud" netns "$up"
        ip -n "$lo" addr add "$v4.2/24" dev "$ld"
        ip -n "$lo" addr add "${v6}2/64" dev "$ld" nodad
        ip -n "$up" addr add "$v4.1/24" dev "$ud"
        ip -n "$up" addr add "${v6}1/64" dev "$ud" nodad
        ip -n "$lo" link set "$ld" up
        ip -n "$up" link set "$ud" up
        eval "CHAIN_V4_$i=$v4 CHAIN_V6_$i=$v6 CHAIN_LD_$i=$ld CHAIN_UD_$i=$ud"
        i=$((i + 1))
    done
    # Static neighbours: no probe waits on (or is lost to) resolution.
    i=1
    while [ $i -le "$CHAIN_L" ]; do
        lo=$(chain_node $((i - 1))) up=$(chain_node $i)
        eval "v4=\$CHAIN_V4_$i v6=\$CHAIN_V6_$i ld=\$CHAIN_LD_$i ud=\$CHAIN_UD_$i"
        ml=$(ip -n "$lo" -br link show dev "$ld" | awk '{print $3}')
        mu=$(ip -n "$up" -br link show dev "$ud" | awk '{print $3}')
        ip -n "$lo" neigh replace "$v4.1" lladdr "$mu" dev "$ld" nud permanent
        ip -n "$lo" neigh replace "${v6}1" lladdr "$mu" dev "$ld" nud permanent
        ip -n "$up" neigh replace "$v4.2" lladdr "$ml" dev "$ud" nud permanent
        ip -n "$up" neigh replace "${v6}2" lladdr "$ml" dev "$ud" nud permanent
        i=$((i + 1))
    done
    # Routes: up by default; down to each link nearer the client.
    i=0
    while [ $i -le "$CHAIN_L" ]; do
        ns=$(chain_node $i)
        if [ $i -lt "$CHAIN_L" ]; then
            eval "v4=\$CHAIN_V4_$((i + 1)) v6=\$CHAIN_V6_$((i + 1))"
            ip -n "$ns" route add default via "$v4.1"
            ip -n "$ns" -6 route add default via "${v6}1"
        fi
        if [ $i -gt 0 ]; then
            eval "dv4=\$CHAIN_V4_$i dv6=\$CHAIN_V6_$i"
            j=1
            while [ $j -lt $i ]; do
                eval "v4=\$CHAIN_V4_$j v6=\$CHAIN_V6_$j"
                ip -n "$ns" route add "$v4.0/24" via "$dv4.2"
                ip -n "$ns" -6 route add "${v6}/64" via "${dv6}2"
                j=$((j + 1))
            done
            if [ $i -lt "$CHAIN_L" ]; then
                ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
                    net.ipv6.conf.all.forwarding=1
                ip netns exec "$ns" nft -f - <<'NFT'
table inet hop {
    chain forward { type filter hook forward priority 0; policy accept; }
    chain input { type filter hook input priority 0; policy accept; }
}
table ip hopnat {
    chain pre { type nat hook prerouting priority dstnat; policy accept; }
}
table ip6 hopnat {
    chain pre { type nat hook prerouting priority dstnat; policy accept; }
}
NFT
            fi
        fi
        i=$((i + 1))
    done
    far=$(chain_node "$CHAIN_L")
    eval "v4=\$CHAIN_V4_$CHAIN_L"
    [ "$v4" = 203.0.113 ] && ip -n "$far" addr add 203.0.113.53/24 dev i0
    for a in 17.57.144.10/32 17.253.1.10/32 2620:149:a44::10/128 2620:149:a44::20/128; do
        ip -n "$far" addr add $a dev lo
    done
    # Wait until no address is tentative.
    i=0
    while [ $i -lt 100 ]; do
        t=""
        for ns in "$NS_C" $CHAIN_NODES "$NS_I"; do
            t="$t$(ip -n "$ns" -6 addr show tentative)"
        done
        [ -z "$t" ] && break
        sleep 0.05
        i=$((i + 1))
    done
}

# chain_nft I ARGS...: run nft in router I (e.g. add rule inet hop forward ...).
chain_nft() {
    n=$1; shift
    ip netns exec "$(chain_node "$n")" nft "$@"
}

# chain_flush: every scenario rule gone, on every router.
chain_flush() {
    for ns in $CHAIN_NODES; do
        ip netns exec "$ns" nft flush chain inet hop forward
        ip netns exec "$ns" nft flush chain inet hop input
        ip netns exec "$ns" nft flush chain ip hopnat pre
        ip netns exec "$ns" nft flush chain ip6 hopnat pre
    done
}
