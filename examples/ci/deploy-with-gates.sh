#!/usr/bin/env bash
# Deploy with deploygate quality gates: the shell equivalent of deploy-with-gates.yml.
#
#   DEPLOY_COMMAND=./scripts/deploy/staging-deploy.sh \
#   ROLLBACK_COMMAND=./scripts/rollback/emergency-rollback.sh \
#   examples/ci/deploy-with-gates.sh staging
#
# Steps (after the seed's deploy-feature.sh and emergency-rollback.sh):
#   1. gates before the deploy: unit coverage, dependency scan, every suite on the local platform;
#      pytest exits 1 when tests fail and 99 when all passed but a gate breached: no deploy.
#   2. deploy with DEPLOY_COMMAND.
#   3. deploygate health --wait, then the smoke suite against the deployed environment.
#   4. on failure in 3: signal rollback (ROLLBACK_COMMAND, exit 3 so the caller knows).
set -euo pipefail

TARGET_ENV=${1:-staging}
DEPLOY_COMMAND=${DEPLOY_COMMAND:?set DEPLOY_COMMAND to your deploy script}
ROLLBACK_COMMAND=${ROLLBACK_COMMAND:?set ROLLBACK_COMMAND to your rollback script}
HEALTH_WAIT=${HEALTH_WAIT:-120}
ROLLBACK_EXIT=3
mkdir -p reports

echo "== quality gates before deploying to $TARGET_ENV"
coverage run --branch -m pytest tests/unit
coverage xml -o reports/coverage.xml
pip-audit -f json -o reports/pip-audit.json || true   # findings are gated by pytest below
status=0
pytest --env=local --coverage-report reports/coverage.xml \
    --vuln-report reports/pip-audit.json || status=$?
case $status in
    0) echo "gates passed" ;;
    99) echo "every test passed but a quality gate breached: not deploying"; exit 99 ;;
    *) echo "tests failed (pytest exit $status): not deploying"; exit "$status" ;;
esac
deploygate gate reports/gates.json   # the stored verdict, as a later CI step reads it

echo "== deploying to $TARGET_ENV"
"$DEPLOY_COMMAND" "$TARGET_ENV"

echo "== verifying $TARGET_ENV"
verified=1
deploygate health --env "$TARGET_ENV" --wait "$HEALTH_WAIT" || verified=0
if [ "$verified" = 1 ]; then
    pytest --env="$TARGET_ENV" -m smoke --html=reports/smoke.html || verified=0
fi

if [ "$verified" = 0 ]; then
    echo "== post-deploy verification failed on $TARGET_ENV: rolling back" >&2
    "$ROLLBACK_COMMAND" "$TARGET_ENV" previous
    deploygate health --env "$TARGET_ENV" --wait "$HEALTH_WAIT" || true
    pytest --env="$TARGET_ENV" -m smoke || true
    exit "$ROLLBACK_EXIT"
fi
echo "== $TARGET_ENV deployed and verified"
