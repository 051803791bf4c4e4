#!/usr/bin/env bash
# Mutation testing of the engine core with mutmut (docs/mutation-testing.md).
#
#   python -m pip install -c constraints.txt -e ".[test,mutation]"
#   bash tools/mutation.sh                      # every module in [tool.mutmut] only_mutate
#   bash tools/mutation.sh "sim.engine.pools*"  # one module (mutant-name globs)
#
# Not part of the default suite: it runs the fast test selection of pyproject.toml's
# [tool.mutmut] once per mutant, in a mutated copy under mutants/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
unset PYTHONPATH  # mutmut puts its mutated copy first on the path; nothing may shadow it
export MPLBACKEND=Agg
python -m mutmut run --max-children "${MUTMUT_CHILDREN:-1}" "$@"
python -m mutmut results --all true > mutants/results.txt 2>&1 || python -m mutmut results > mutants/results.txt
python - <<'PY'
import collections, json, pathlib
from mutmut.stats import status_by_exit_code
status = collections.Counter(
    status_by_exit_code[v] for f in pathlib.Path("mutants").rglob("*.meta")
    for v in json.loads(f.read_text()).get("exit_code_by_key", {}).values() if v is not None)
caught = status["killed"] + status["timeout"] + status["caught by type check"]
checked = sum(status.values()) - status["skipped"]
print(dict(status))
print(f"mutation score: {caught}/{checked} killed ({caught / max(checked, 1):.1%}); "
      "survivors: python -m mutmut results")
PY
