#!/usr/bin/env bash
# test_demo_alerts.sh — the demo shows the on-call loop: `warroom --demo` loads the shipped rules
# (assets/rules.conf), its anomaly (the api's latency in eu-west) tops the table under the default
# sort, fires api_latency_high within a minute or two, rings the bell once, is posted to chat as
# one line, and can be acked from the alerts panel.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
tui_start 200 50 --demo --nick alice ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
bell() { tui_tmux display -p -t =t: '#{window_bell_flag}'; }

tui_wait_re "Alerts .*(leader|follower)" 20 && ok "the demo evaluates the shipped rules" ||
    { tui_dump rules; notok demo_rules "the alerts pane does not evaluate"; }
bell_before=$(bell)

# the first table row during the anomaly (it starts 20 s in and lasts a minute)
top_row() { tui_line 2; }
tui_wait_re "^.{0,3}▶ +latency_ms\{region=eu-west,service=api" 60 &&
    ok "the anomaly tops the table under the default sort" ||
    { tui_dump top; notok anomaly_on_top "$(top_row)"; }

# (the pane is 78 columns wide: the instance's labels may be cut in the middle)
row='CRIT +FIRING +[0-9a-f]{6} +api_latency_high'
tui_wait_re "$row" 90 && ok "api_latency_high fires in the demo" ||
    { tui_dump firing; notok demo_fires "no firing row"; }
[ "$bell_before" = 0 ] && wait_for '[ "$(bell)" = 1 ]' 5 && ok "the firing alert rings the bell" ||
    notok demo_bell "bell flag before $bell_before, now $(bell)"
tui_wait_re "\[alert\] FIRING critical +api_latency_high\{region=eu-west,service=api\}" 10 &&
    ok "the firing alert is posted to chat" || { tui_dump chat; notok demo_chat "no chat line"; }
# one FIRING line, and no other alert (nothing is absent at the start); on a slow machine the
# anomaly may already have ended, so its RESOLVED line may follow
n=$(tui_cap | grep -c "\[alert\] FIRING")
others=$(tui_cap | grep "\[alert\]" | grep -vc "api_latency_high")
[ "$n" = 1 ] && [ "$others" = 0 ] && ok "one chat line, and no other alert (nothing is absent at the start)" ||
    { tui_dump chat-lines; notok one_chat_line "$n FIRING lines, $others other alert lines"; }

# ---- ack it from the panel (zoomed: full rows) -------------------------------------------------
tui_keys 2 z
n=$(tui_cap | grep -E '(PAGE|CRIT|warn|info) +(FIRING|pending)' | grep -n 'api_latency_high' |
    head -1 | cut -d: -f1)
for _ in $(seq 2 "${n:-1}"); do tui_keys j; done
tui_keys a
tui_wait_re "api_latency_high.*ack:ali" 10 && ok "acked from the alerts panel" ||
    { tui_dump ack; notok demo_ack "not acked"; }
tui_keys z
tui_wait "alice acknowledged api_latency_high" 10 && ok "the ack is noted in chat" ||
    { tui_dump ack-note; notok demo_ack_note "no note"; }
tui_keys q
wait_for 'tui_cap | grep -q "$TUI_PROMPT"' 8 || { tui_dump quit; notok quit "did not quit"; }
wr_done
