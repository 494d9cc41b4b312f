#!/usr/bin/env bash
# test_errors.sh — malformed input from a peer gets the precise reaction from msee-emu. A tiny
# injector (bgp_inject.py, standard library only) plays the peer: it connects to msee-emu
# (127.25.0.10:179, every neighbor passive), exchanges OPEN/KEEPALIVE, then sends one broken
# message per scenario and reports the NOTIFICATION it gets back:
#   bad-origin        UPDATE with ORIGIN 5 -> RFC 7606 §7.1 treat-as-withdraw: no NOTIFICATION,
#                     session stays up, the prefix is withdrawn, event update-error
#   bad-marker        marker not all ones          -> NOTIFICATION 1/1 (RFC 4271 §6.1)
#   bad-length        header Length 5000           -> NOTIFICATION 1/2, data 0x1388 (RFC 4271 §6.1)
#   open-hold2        OPEN with Hold Time 2        -> NOTIFICATION 2/6 (RFC 4271 §6.2)
#   withdrawn-overrun Withdrawn Routes Length past the end of the UPDATE
#                                                  -> NOTIFICATION 3/1 (RFC 4271 §6.3, RFC 7606 §4)
#   as0, nexthop-self AS 0 in AS_PATH (RFC 7607), NEXT_HOP = msee-emu's own address (RFC 4271
#                     §6.3): treat-as-withdraw like bad-origin, with the issue's subcode
#   no-nlri-as0       AS 0 in AS_PATH and no NLRI at all -> NOTIFICATION 3/11 (RFC 7606 §5.2)
# Each scenario uses its own source address (one msee-emu neighbor each) so that a session reset
# in one scenario cannot delay the next through msee-emu's idle hold back-off.
set -u
source "$(dirname "$0")/lib.sh"
it_need ss
it_init errors

A=127.25.0
ME=$A.10
it_require_ports "$ME 179"

# scenario name, injector source address, msee-emu neighbor name
SCENARIOS="bad-origin:$A.2:inj_origin bad-marker:$A.3:inj_marker bad-length:$A.4:inj_length open-hold2:$A.5:inj_hold withdrawn-overrun:$A.6:inj_wdr as0:$A.7:inj_as0 nexthop-self:$A.8:inj_nhself no-nlri-as0:$A.9:inj_nonlri"
neighbors=""
for s in $SCENARIOS; do
  IFS=: read -r _ addr name <<< "$s"
  neighbors+="${neighbors:+,
    }{ \"name\": \"$name\", \"address\": \"$addr\", \"peerAsn\": 65025, \"passive\": true, \"idleHoldTime\": 1, \"families\": [\"ipv4-unicast\"] }"
done
mkdir -p "$T/msee"
cat > "$T/msee/config.json" <<CONF
{
$(router_head 65010 "$ME" -)
  "neighbors": [
    $neighbors
  ]
}
CONF

start_msee msee "$T/msee/config.json"
EV=$(msee_events msee)

# run all scenarios at once (each takes a few seconds, mostly waiting for an answer)
declare -A INJ_PID
for s in $SCENARIOS; do
  IFS=: read -r scen addr name <<< "$s"
  "$IT_PY" "$IT_LIB_DIR/bgp_inject.py" "$scen" --peer "$ME" --bind "$addr" --local-as 65025 \
    --prefix 10.25.1.0/24 --prefix2 10.25.2.0/24 --observe 3 --connect-timeout 15 \
    > "$T/inj_$scen.jsonl" 2> "$T/inj_$scen.err" &
  INJ_PID[$scen]=$!
  it__record "inject-$scen" "${INJ_PID[$scen]}"
  it_watch "injector $scen output" "$T/inj_$scen.jsonl"
  it_watch "injector $scen stderr" "$T/inj_$scen.err"
done
for s in $SCENARIOS; do
  IFS=: read -r scen _ _ <<< "$s"
  wait "${INJ_PID[$scen]}"; rc=$?
  [ "$rc" = 0 ] || fail "injector $scen exited with status $rc ($(tail -n 1 "$T/inj_$scen.jsonl"))"
done

res() {  # res SCENARIO EXPR : EXPR over the injector's "result" line (r)
  ev_has "$T/inj_$1.jsonl" "e.get('event')=='result' and (lambda r: ($2))(e)"
}
show_res() { echo "    injector result: $(grep '"result"' "$T/inj_$1.jsonl")"; }

# ---------------------------------------------------------------- (a) ORIGIN 5: treat-as-withdraw
check "bad ORIGIN: the injector reached Established" ev_has "$T/inj_bad-origin.jsonl" "e['event']=='established'"
check "bad ORIGIN: no NOTIFICATION and no close from msee-emu, session still up 3 s later" \
  res bad-origin "r['notification'] is None and r['eof'] is False and r['still_up'] is True" || show_res bad-origin
check_wait 3 "bad ORIGIN: msee-emu events: update-error action TreatAsWithdraw for inj_origin" \
  ev_has "$EV" "e['event']=='update-error' and e['peer']=='inj_origin' and e['action']=='TreatAsWithdraw' and len(e.get('issues') or [])>=1"
check "bad ORIGIN: msee-emu events: 10.25.1.0/24 announced first (valid UPDATE)" \
  ev_has "$EV" "$(ev_route_sel inj_origin ipv4-unicast 10.25.1.0/24) and e['asPath']==[65025] and e['origin']=='igp'"
check "bad ORIGIN: msee-emu events: 10.25.1.0/24 withdrawn by the malformed UPDATE" \
  ev_has "$EV" "$(ev_route_sel inj_origin ipv4-unicast 10.25.1.0/24 withdraw)"
check "bad ORIGIN: msee-emu events: the next valid UPDATE (10.25.2.0/24) was accepted on the same session" \
  ev_has "$EV" "$(ev_route_sel inj_origin ipv4-unicast 10.25.2.0/24)"
check "bad ORIGIN: msee-emu events: the only session-down of inj_origin is the injector's own Cease (NotificationReceived 6/2)" \
  eq "6/2" ev_last "$EV" "e['event']=='session-down' and e['peer']=='inj_origin'" "'%s/%s' % (e['notification']['code'], e['notification']['subcode']) if e['kind']=='NotificationReceived' else e['kind']"
check "bad ORIGIN: msee-emu events: exactly one session-down for inj_origin" \
  eq 1 ev_count "$EV" "e['event']=='session-down' and e['peer']=='inj_origin'"

# ---------------------------------------------------------------- AS 0, NEXT_HOP self
# taw SCENARIO PEER SUBCODE "what": the bad-origin checks, for another treat-as-withdraw case
taw() {
  local scen=$1 peer=$2 sub=$3 what=$4
  check "$what: no NOTIFICATION, session still up 3 s later" \
    res "$scen" "r['notification'] is None and r['eof'] is False and r['still_up'] is True" || show_res "$scen"
  check_wait 3 "$what: msee-emu events: update-error TreatAsWithdraw, subcode $sub" \
    ev_has "$EV" "e['event']=='update-error' and e['peer']=='$peer' and e['action']=='TreatAsWithdraw' and any(i.get('subcode')==$sub for i in e.get('issues') or [])"
  check "$what: msee-emu events: 10.25.1.0/24 withdrawn by it" \
    ev_has "$EV" "$(ev_route_sel "$peer" ipv4-unicast 10.25.1.0/24 withdraw)"
  check "$what: msee-emu events: 10.25.2.0/24 accepted after it on the same session" \
    ev_has "$EV" "$(ev_route_sel "$peer" ipv4-unicast 10.25.2.0/24)"
}
taw as0 inj_as0 11 "AS 0 in AS_PATH (RFC 7607)"
taw nexthop-self inj_nhself 8 "NEXT_HOP = msee-emu's own address (RFC 4271 §6.3)"

# ---------------------------------------------------------------- (b)-(e) NOTIFICATIONs
# notif SCENARIO PEER CODE SUBCODE [DATA] "what"
notif() {
  local scen=$1 peer=$2 code=$3 sub=$4 data=$5 what=$6 dcond=""
  [ -n "$data" ] && dcond=" and r['notification']['data']=='$data'"
  check "$what: injector got NOTIFICATION $code/$sub${data:+ data 0x$data}" \
    res "$scen" "r['notification'] is not None and r['notification']['code']==$code and r['notification']['subcode']==$sub$dcond" \
    || show_res "$scen"
  check_wait 3 "$what: msee-emu events: session-down of $peer kind NotificationSent $code/$sub" \
    ev_has "$EV" "e['event']=='session-down' and e['peer']=='$peer' and e['kind']=='NotificationSent' and e['notification']['code']==$code and e['notification']['subcode']==$sub"
}
notif bad-marker inj_marker 1 1 "" "bad marker"
notif bad-length inj_length 1 2 1388 "header Length 5000"
notif open-hold2 inj_hold 2 6 "" "OPEN with Hold Time 2"
check "OPEN with Hold Time 2: msee-emu never reported inj_hold established" \
  eq 0 ev_count "$EV" "e['event']=='established' and e['peer']=='inj_hold'"
notif withdrawn-overrun inj_wdr 3 1 "" "Withdrawn Routes Length overrun"
notif no-nlri-as0 inj_nonlri 3 11 "" "AS 0 and no NLRI at all (RFC 7606 §5.2)"

check "msee-emu is still running after all malformed input" it_pid_alive "$(it_pid_of msee)"

it_finish
