# shellcheck shell=bash
# run_guarded OUT AFTER CMD...: runs CMD in its own process group, its output
# into OUT and shown as it comes. A Deno test still running after AFTER
# (Deno reports "'name' has been running for over (1m0s)", then 2m0s, 4m0s,
# 8m0s, 16m0s, ...) is named, CMD's whole process group (the servers and
# databases the test started included) is killed, and the status is 1; so
# one test that waits for ever costs the run that test, not the run. The
# longest test takes about 3 minutes on the 2-core machine.
run_guarded() {
  local out="$1" after="$2" pid tail_pid stalled="" status
  shift 2
  : >"$out"
  setsid "$@" >"$out" 2>&1 &
  pid=$!
  tail -n +1 -f --pid="$pid" "$out" &
  tail_pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    stalled="$(sed 's/\x1b\[[0-9;]*m//g' "$out" | grep -oE "'[^']+' has been running for over \\(${after}\\)" | head -1)"
    if [ -n "$stalled" ]; then
      kill -TERM -- "-$pid" 2>/dev/null
      sleep 5
      kill -KILL -- "-$pid" 2>/dev/null
      break
    fi
    sleep 5
  done
  wait "$pid"
  status=$?
  wait "$tail_pid" 2>/dev/null
  if [ -n "$stalled" ]; then
    echo "error: stalled, killed: ${stalled}" | tee -a "$out"
    status=1
  fi
  return "$status"
}
