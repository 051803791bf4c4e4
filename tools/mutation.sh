#!/usr/bin/env bash
# Mutation testing with mutmut: the engine core, or a profile (docs/mutation-testing.md).
#
#   python -m pip install -c constraints.txt -e ".[test,mutation]"
#   bash tools/mutation.sh                      # every module in [tool.mutmut] only_mutate
#   bash tools/mutation.sh "sim.engine.pools*"  # one module (mutant-name globs)
#   bash tools/mutation.sh $(python tools/mutation_sample.py sim/core/calendar.py --size 60)
#                                               # a seeded random sample of one module
#   bash tools/mutation.sh --profile checks     # the run invariants (tools/mutation-checks.toml)
#   bash tools/mutation.sh --profile money      # the money KPIs (tools/mutation-money.toml)
#   bash tools/mutation.sh --profile kpis       # the time and flow KPIs (tools/mutation-kpis.toml)
#
# Not part of the default suite: it runs the fast test selection of pyproject.toml's
# [tool.mutmut] once per mutant, in a mutated copy under mutants/ (git-ignored).
# MUTMUT_CHILDREN=2 uses two cores; the default, one, leaves the other to the machine.
# --profile NAME takes tools/mutation-NAME.toml's [tool.mutmut] instead (other modules, and
# the tests that must pin them), in a fresh copy of the project under build/mutation-NAME/
# (git-ignored): mutmut maps tests to the functions they call once, in a copy's first run,
# so a kept copy would not run tests written since.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--profile" ]; then
  profile="tools/mutation-${2:?--profile needs a name, e.g. checks}.toml"
  [ -f "$profile" ] || { echo "no $profile" >&2; exit 2; }
  copy="build/mutation-$2"
  shift 2
  rm -rf "$copy" && mkdir -p "$copy"
  cp -r sim tests scenarios docs tools "$copy/"
  # pyproject.toml with its [tool.mutmut] table swapped for the profile's
  { awk '/^\[tool\.mutmut\]/ {skip = 1; next} /^\[[A-Za-z]/ {skip = 0} !skip' pyproject.toml
    grep -v '^#' "$profile"; } > "$copy/pyproject.toml"
  cd "$copy"
fi
unset PYTHONPATH  # mutmut puts its mutated copy first on the path; nothing may shadow it
export MPLBACKEND=Agg
python -m mutmut run --max-children "${MUTMUT_CHILDREN:-1}" "$@"
python -m mutmut results > mutants/results.txt 2>&1 || true
python tools/mutation_score.py  # per module: killed / checked, Wilson 95% interval
