#!/usr/bin/env bash
# test_api_abuse.sh — issue #14: the REST API under slow and hostile clients never costs a BGP
# session its hold timer. One circuit on loopback (127.48.0.x) whose MSEE offers hold time 6 s
# (keepalive 2 s), a CE session from bgp_inject.py with hold 6 s, and bench/api_abuse.py for
# 20 s: 1,000 idle connections, 100 slowloris connections, 20 POSTs of 1 MB, and a normal
# client asking GET /v1/sessions every 20 ms.
# Asserts: the CE session never goes down; every normal request is answered 200; every 1 MB
# POST gets 413; the idle and slow connections are closed by msee-emu (15 s without a whole
# request), so none is still open at the end; msee-emu's descriptors return to where they were.
# The normal client's latency is printed (a figure, not asserted: docs/performance.md).
set -u
source "$(dirname "$0")/lib.sh"
it_init api_abuse
A=127.48.0
API=$A.100:18183
it_require_ports "$A.2 179" "$A.6 179" "$A.1 179" "$A.5 179" "$A.100 18183"
itconf circuit "$T/circuit.json" er-abuse --private $A --vnet "hub westeurope 10.1.0.0/16" \
  --emulation '{ "holdTime": 6, "bfd": false }'
start_msee msee "$T/circuit.json" --api "$API"
EV=$(msee_events msee)
PID=$(it_pid_of msee)
"$IT_PY" "$IT_LIB_DIR/bgp_inject.py" stay --peer $A.2 --bind $A.1 --local-as 65001 --hold 6 \
  --connect-timeout 20 --observe 32 > "$T/ce.jsonl" 2> "$T/ce.err" &
CE=$!
it__record ce $CE
it_watch "CE injector" "$T/ce.jsonl"
check_wait 20 "the CE's session to the primary MSEE Established, hold time 6 s" \
  ev_has "$EV" "e['event']=='established' and e['peer'].endswith('primary') and e.get('holdTime', 6)==6"
sleep 1
FDS0=$(ls "/proc/$PID/fd" | wc -l)

"$IT_PY" "$MSEE_SOURCE_DIR/bench/api_abuse.py" --api "$API" --duration 20 --idle 1000 --slow 100 \
  --big 20 --interval 0.02 --json > "$T/abuse.json" 2> "$T/abuse.txt"
cat "$T/abuse.txt"
check "every normal request answered 200 while the API was abused" \
  jpy "d['normal']['count'] > 100 and d['normal']['errors'] == 0" < "$T/abuse.json"
check "every 1 MB POST got 413 RequestTooLarge" jpy "d['big'] == {'413': 20}" < "$T/abuse.json"
check "msee-emu closed all 1,000 idle connections (15 s without a request)" \
  jpy "d['idle'].get('closed') == 1000 and d['idle']['still open'] == 0" < "$T/abuse.json"
check "msee-emu closed all 100 slowloris connections (408 or a close)" \
  jpy "sum(v for k, v in d['slow'].items() if k in ('closed', 'status 408')) == 100 and d['slow']['still open'] == 0" < "$T/abuse.json"
check_wait 5 "msee-emu's descriptors back to the $FDS0 before the abuse" \
  bash -c "[ \$(ls /proc/$PID/fd | wc -l) -le $FDS0 ]"
wait $CE
check "the CE's session never went down during the abuse (hold time 6 s)" \
  eq 0 ev_count "$EV" "e['event']=='session-down' and e['peer'].endswith('primary') and e['kind']!='NotificationReceived'"
check "the CE injector's own view: still up after 32 s" \
  ev_has "$T/ce.jsonl" "e.get('event')=='result' and e['still_up'] is True"
check "msee-emu is still running" it_pid_alive "$PID"
it_finish
