#!/usr/bin/env bash
# `npm run mutants`: mutation testing of the engine (src/engine) with
# cargo-mutants, the engine tests and the simulation as the test command.
# On demand only, not part of `npm test`: about 400 mutants, each a rebuild
# and a test run (hours on two cores; `-- --shard k/n` splits the work,
# `-- --file src/engine/pull/**` narrows it). Results in target/mutants/.
#
#   SKILIFT_MUTANTS_OUT  where the results go (default target/mutants): give
#                        each shard its own to keep them all (passing
#                        `--output` after `--` is refused: this script sets it)
#   SKILIFT_SIM_SEEDS  seeds the simulation runs per mutant (default here 300,
#                      CI runs 1,000: a shorter run per mutant; recheck a
#                      missed mutant with SKILIFT_SIM_SEEDS=1000 before
#                      calling it equivalent)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-mutants >/dev/null 2>&1; then
  echo "mutants: installing cargo-mutants (crates.io)"
  cargo install cargo-mutants --locked
fi
export SKILIFT_SIM_SEEDS="${SKILIFT_SIM_SEEDS:-300}"
out_dir="${SKILIFT_MUTANTS_OUT:-target/mutants}"
# cargo-mutants creates the directory but not its parent (no target/ on a
# fresh clone).
mkdir -p "$out_dir"
status=0
# sabotage.rs is excluded: its switch is compiled only with the `sabotage`
# feature, so without it every mutant there is the same program.
cargo mutants --file 'src/engine/**/*.rs' --exclude src/engine/sabotage.rs --profile mutants --timeout-multiplier 3 \
  --output "$out_dir" "$@" || status=$?
# cargo-mutants exits 2 when mutants were missed, 3 on timeouts: the counts
# below say which; the outcomes are in $out_dir/mutants.out/.
out="$out_dir/mutants.out"
for kind in caught missed timeout unviable; do
  [ -f "$out/$kind.txt" ] && echo "mutants: $kind $(wc -l < "$out/$kind.txt")"
done
exit "$status"
