#!/usr/bin/env bash
# Release pipeline with deploygate: the shell equivalent of deploy-with-gates.yml.
#
#   DEPLOY_COMMAND=./scripts/deploy/deploy.sh ROLLBACK_COMMAND=./scripts/deploy/rollback.sh \
#   PRODUCTION_APPROVED=yes DB_FLAGS=--allow-destructive examples/ci/deploy-with-gates.sh
#
# The seed's feature pipeline (deploy-feature.sh, deploy-migration.ts, emergency-rollback.sh):
# tests -> scan -> staging -> staging tests -> approval -> production -> health. Every step
# tests the release itself, never the embedded reference platform.
#   1. unit tests with coverage and a dependency scan: the inputs of the coverage.* and
#      vulnerabilities.* gates.
#   2. when MIGRATIONS_DIR exists: the migrations are rehearsed on REHEARSE_ENV (they run, are
#      verified and roll back); a broken migration stops the pipeline before anything changed.
#   3. release to staging: the database is backed up, the backup drilled and the migrations
#      applied; then deploygate deploy runs DEPLOY_COMMAND (health before, availability probed,
#      health and the smoke suite after) and on failure the rollback: ROLLBACK_COMMAND and the
#      database back to the backup's version, verified in turn.
#   4. every suite against staging with --gate-strict: a gate that was not measured fails.
#   5. approval: PRODUCTION_APPROVED=yes (in GitHub Actions, the production environment's
#      required reviewers; see deploy-with-gates.yml).
#   6. release to production as in 3, verified by the smoke suite (read-only); production is
#      sensitive, so its database steps need DB_FLAGS=--allow-destructive.
#   7. deploygate watch follows production for WATCH_FOR and counts alerts against the deploy.
#
# Every exit status is the pipeline's: pytest 1 (tests failed) or 99 (a gate breached);
# deploygate deploy 3 (rolled back and verified: the release is not out), 5 (not restored: page
# someone), 4 (configuration); deploygate db 1 (a check failed, nothing changed), 4 (refused or
# configuration); deploygate watch 1 (an alert still firing). Share the deployment history
# between runs with DEPLOYGATE_HISTORY_URL (a PostgreSQL URL), or keep reports/ between runs.
set -euo pipefail

DEPLOY_COMMAND=${DEPLOY_COMMAND:?set DEPLOY_COMMAND to your deploy script (it gets the environment)}
ROLLBACK_COMMAND=${ROLLBACK_COMMAND:?set ROLLBACK_COMMAND to your rollback script}
MIGRATIONS_DIR=${MIGRATIONS_DIR:-migrations}
REHEARSE_ENV=${REHEARSE_ENV:-staging}
DB_FLAGS=${DB_FLAGS:-}   # production's database steps: --allow-destructive (it is sensitive)
WATCH_FOR=${WATCH_FOR:-10m}
mkdir -p reports

# release ENV DB_FLAGS [deploygate deploy options]: the database first (expand: the running
# release keeps working), then the code; the rollback restores both and is verified.
release() {
    local env=$1 flags=$2
    shift 2
    local rollback="$ROLLBACK_COMMAND $env previous"
    if [ -d "$MIGRATIONS_DIR" ]; then
        deploygate db backup --env "$env" --json > "reports/db-backup-$env.json"
        local manifest schema
        manifest=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["manifest"])' \
            < "reports/db-backup-$env.json")
        schema=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["schema_version"])' \
            < "reports/db-backup-$env.json")
        deploygate db restore-check --env "$env" --from "$manifest"
        echo "== migrating $env from $schema"
        deploygate db migrate --env "$env" --migrations "$MIGRATIONS_DIR" $flags
        rollback="$rollback && deploygate db rollback --env $env --to $schema"
        rollback="$rollback --migrations $MIGRATIONS_DIR $flags"
    fi
    deploygate deploy --env "$env" --json "reports/deploy-$env.json" "$@" \
        --rollback "sh -c '$rollback'" -- "$DEPLOY_COMMAND" "$env"
}

echo "== 1. unit tests, coverage, dependency scan"
coverage run --branch -m pytest tests/unit
# JSON, not Cobertura XML: it carries function counts too (coverage.py >= 7.5), and under
# --gate-strict a coverage.functions gate left unmeasured would fail the run.
coverage json -o reports/coverage.json
audit=0
pip-audit -f json -o reports/pip-audit.json || audit=$?
# pip-audit exits 1 when it found vulnerabilities (the vulnerabilities.* gates judge them in
# step 4), but also when it failed: only a written report makes a 1 mean "findings".
if [ "$audit" -gt 1 ] || [ ! -s reports/pip-audit.json ]; then
    echo "pip-audit did not produce a report (exit $audit)" >&2
    exit $((audit > 0 ? audit : 1))
fi

if [ -d "$MIGRATIONS_DIR" ]; then
    echo "== 2. rehearse the migrations on $REHEARSE_ENV"
    deploygate db migrate --env "$REHEARSE_ENV" --migrations "$MIGRATIONS_DIR" --rehearse
fi

echo "== 3. release to staging"
release staging ""

echo "== 4. every suite against staging"
pytest --env=staging --gate-strict --reports-dir reports/staging \
    --coverage-report reports/coverage.json --vuln-report reports/pip-audit.json

if [ "${PRODUCTION_APPROVED:-}" != yes ]; then
    echo "== 5. staging is verified; set PRODUCTION_APPROVED=yes to deploy to production"
    exit 0
fi

echo "== 6. release to production"
release production "$DB_FLAGS" --verify smoke

echo "== 7. follow production for $WATCH_FOR"
deploygate watch --env production --duration "$WATCH_FOR" --interval 30s --follow-deploy
deploygate history --env production
