# Sourced by tests/package/run.sh and bundlers.sh: their one way to run and
# count a step. Needs $log (the results file) and $label (the line prefix).
#
# step NAME COMMAND...: runs a step, shows its output, times it; its
# `ok`/`FAIL` lines are counted, and a failing step with none counts as one failure.
step() {
  local name=$1 start=$SECONDS out rc
  shift
  out=$("$@" 2>&1)
  rc=$?
  printf '%s\n' "$out"
  printf '%s\n' "$out" | grep -E '^(ok|FAIL) ' >> "$log"
  if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^FAIL '; then
    echo "FAIL $name (exit $rc)" | tee -a "$log"
  fi
  echo "$label: $name took $((SECONDS - start))s"
  return $rc
}
