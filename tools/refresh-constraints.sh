#!/usr/bin/env bash
# Re-resolve sosim's dependencies in a clean virtual environment and write constraints.txt,
# the exact versions that the README's two commands and CI install (pip install -c).
#
#   bash tools/refresh-constraints.sh          # then run the tests, and commit the file
#
# Run it when pyproject.toml's dependencies change or to move to newer releases on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(mktemp -d)/venv"
python -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e ".[test,app]"
{
  echo "# Tested versions of every package sosim installs (tools/refresh-constraints.sh)."
  echo "# Used as: python -m pip install -c constraints.txt -e '.[test]'"
  "$venv/bin/python" -m pip freeze --exclude-editable | grep -v '^pip=='
} > constraints.txt.tmp
mv constraints.txt.tmp constraints.txt
rm -rf "$(dirname "$venv")"
echo "constraints.txt: $(grep -vc '^#' constraints.txt) packages"
