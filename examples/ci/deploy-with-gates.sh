#!/usr/bin/env bash
# Deploy with deploygate quality gates: the shell equivalent of deploy-with-gates.yml.
#
#   DEPLOY_COMMAND=./scripts/deploy/staging-deploy.sh \
#   ROLLBACK_COMMAND=./scripts/rollback/emergency-rollback.sh \
#   examples/ci/deploy-with-gates.sh staging
#
# Steps (after the seed's deploy-feature.sh, deploy-migration.ts and emergency-rollback.sh):
#   1. gates before the deploy: unit coverage, dependency scan, every suite on the local platform;
#      pytest exits 1 when tests fail and 99 when all passed but a gate breached: no deploy.
#   2. database (when MIGRATIONS_DIR exists): rehearse the migrations on REHEARSE_ENV (they run
#      and roll back), back the target up and drill the backup, migrate the target (one
#      transaction, the contract verified; a failure changes nothing and stops here).
#   3. deploy with DEPLOY_COMMAND.
#   4. deploygate health --wait, then the smoke suite against the deployed environment.
#   5. on failure in 4: roll back (ROLLBACK_COMMAND, and the database to the version the backup
#      recorded), verify the rollback the same way: exit 3 when restored, 5 when not.
# No exit status is swallowed: each step that fails stops the pipeline or decides the rollback.
set -euo pipefail

TARGET_ENV=${1:-staging}
DEPLOY_COMMAND=${DEPLOY_COMMAND:?set DEPLOY_COMMAND to your deploy script}
ROLLBACK_COMMAND=${ROLLBACK_COMMAND:?set ROLLBACK_COMMAND to your rollback script}
HEALTH_WAIT=${HEALTH_WAIT:-120}
MIGRATIONS_DIR=${MIGRATIONS_DIR:-migrations}
REHEARSE_ENV=${REHEARSE_ENV:-staging}
DB_FLAGS=${DB_FLAGS:-}   # a sensitive target (production) needs DB_FLAGS=--allow-destructive
ROLLBACK_EXIT=3
NOT_RESTORED_EXIT=5
mkdir -p reports

echo "== quality gates before deploying to $TARGET_ENV"
coverage run --branch -m pytest tests/unit
coverage xml -o reports/coverage.xml
# pip-audit exits 1 when it finds vulnerabilities: those are gated by pytest below; any other
# failure of the scan stops the pipeline.
pip-audit -f json -o reports/pip-audit.json || [ $? -eq 1 ]
status=0
pytest --env=local --coverage-report reports/coverage.xml \
    --vuln-report reports/pip-audit.json || status=$?
case $status in
    0) echo "gates passed" ;;
    99) echo "every test passed but a quality gate breached: not deploying"; exit 99 ;;
    *) echo "tests failed (pytest exit $status): not deploying"; exit "$status" ;;
esac
deploygate gate reports/gates.json   # the stored verdict, as a later CI step reads it

previous_schema=""
if [ -d "$MIGRATIONS_DIR" ]; then
    echo "== database: rehearse on $REHEARSE_ENV, back up $TARGET_ENV and drill the backup"
    deploygate db migrate --env "$REHEARSE_ENV" --migrations "$MIGRATIONS_DIR" --rehearse \
        $DB_FLAGS
    deploygate db backup --env "$TARGET_ENV" --json > reports/db-backup.json
    manifest=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["manifest"])' \
        < reports/db-backup.json)
    previous_schema=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["schema_version"])' \
        < reports/db-backup.json)
    deploygate db restore-check --env "$TARGET_ENV" --from "$manifest"
    echo "== migrating $TARGET_ENV from $previous_schema"
    deploygate db migrate --env "$TARGET_ENV" --migrations "$MIGRATIONS_DIR" $DB_FLAGS
fi

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
    restored=1
    "$ROLLBACK_COMMAND" "$TARGET_ENV" previous || restored=0
    if [ -n "$previous_schema" ]; then
        deploygate db rollback --env "$TARGET_ENV" --to "$previous_schema" \
            --migrations "$MIGRATIONS_DIR" $DB_FLAGS || restored=0
    fi
    deploygate health --env "$TARGET_ENV" --wait "$HEALTH_WAIT" || restored=0
    pytest --env="$TARGET_ENV" -m smoke --html=reports/smoke-after-rollback.html || restored=0
    if [ "$restored" = 0 ]; then
        echo "== the rollback of $TARGET_ENV did not verify: not restored" >&2
        exit "$NOT_RESTORED_EXIT"
    fi
    exit "$ROLLBACK_EXIT"
fi
echo "== $TARGET_ENV deployed and verified"
