#!/bin/sh
# Entrypoint of the Gatehouse image: the first argument names the process to run. `exec` keeps
# node as the container's main process so that SIGTERM reaches it and the app drains.
set -eu
APP_ROOT="${GATEHOUSE_APP_ROOT:-/app}"

usage() {
  cat <<USAGE
usage: gatehouse <command> [node arguments...]
  gateway            MCP gateway (/mcp), port GATEWAY_PORT (8080)
  admin-api          admin REST API (/api/v1), port ADMIN_API_PORT (8081)
  audit-service      audit stream consumer, health on AUDIT_SERVICE_PORT (8082)
  authorization-server  OAuth authorization server for MCP clients, AUTHORIZATION_SERVER_PORT (8083)
  gatehouse          all three in one process (demo; PGlite under GATEHOUSE_DATA_DIR)
  db:migrate         apply prisma/migrations to DATABASE_URL, then exit
  cli                the gatehouse CLI (GATEHOUSE_URL, GATEHOUSE_TOKEN), e.g. cli apply -f gatehouse.yaml
  fixture-upstream   demo upstream MCP server (FIXTURE_NAME, FIXTURE_PORT, FIXTURE_HOST)
  healthcheck        GET /healthz of the app in this container (used by HEALTHCHECK)
USAGE
}

command="${1:-}"
[ "$#" -gt 0 ] && shift
case "$command" in
  gateway)          main=dist/apps/gateway/src/main.js ;;
  admin-api)        main=dist/apps/admin-api/src/main.js ;;
  audit-service)    main=dist/apps/audit-service/src/main.js ;;
  authorization-server) main=dist/apps/authorization-server/src/main.js ;;
  gatehouse|all-in-one) main=dist/apps/gatehouse/src/main.js ;;
  cli)              main=dist/apps/cli/src/main.js ;;
  db:migrate|migrate) main=dist/tools/db-migrate.js ;;
  fixture-upstream) main=dist/libs/testing/src/fixtures/fixture-upstream.main.js ;;
  healthcheck)      main=healthcheck.mjs ;;
  help|-h|--help)   usage; exit 0 ;;
  *)
    echo "gatehouse: unknown command \"$command\"" >&2
    usage >&2
    exit 64
    ;;
esac
if [ ! -f "$APP_ROOT/$main" ]; then
  echo "gatehouse: $APP_ROOT/$main is missing (image built without it?)" >&2
  exit 70
fi
exec node "$@" "$APP_ROOT/$main"
