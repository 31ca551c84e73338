#!/usr/bin/env bash
# The script part of the godockerlint GitHub Action (action.yml at the repository root).
# It reads the action's inputs from environment variables, so it runs the same way locally:
#
#   INPUT_PATHS              paths to lint, separated by spaces or newlines (default: .)
#   INPUT_FORMAT             the report printed in the log (default: github, which GitHub
#                            turns into annotations on the pull request)
#   INPUT_FAILURE_THRESHOLD  error | warning | info | none (default: the config's, else info)
#   INPUT_CONFIG             a config file for every Dockerfile (default: the nearest
#                            .godockerlint.yaml)
#   INPUT_SARIF_FILE         also write a SARIF report to this file (for code scanning)
#   GODOCKERLINT             the command to run (default: godockerlint)
#
# With GITHUB_OUTPUT set, it writes the outputs `sarif-file` and `exit-code` there.
# Its exit status is godockerlint's: 0 clean, 1 findings at or above the threshold, 2 errors.
set -uo pipefail

format="${INPUT_FORMAT:-github}"
args=(--format "$format")
if [ -n "${INPUT_SARIF_FILE:-}" ]; then
  args+=(--output "sarif=${INPUT_SARIF_FILE}")
fi
if [ -n "${INPUT_FAILURE_THRESHOLD:-}" ]; then
  args+=(--failure-threshold "${INPUT_FAILURE_THRESHOLD}")
fi
if [ -n "${INPUT_CONFIG:-}" ]; then
  args+=(--config "${INPUT_CONFIG}")
fi
read -r -d '' -a paths <<< "${INPUT_PATHS:-.}" || true
if [ "${#paths[@]}" -eq 0 ]; then
  paths=(.)
fi

status=0
${GODOCKERLINT:-godockerlint} "${args[@]}" -- "${paths[@]}" || status=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "sarif-file=${INPUT_SARIF_FILE:-}"
    echo "exit-code=${status}"
  } >> "${GITHUB_OUTPUT}"
fi
exit "${status}"
