#!/usr/bin/env bash
# Build and start the compose stack, then wait until the app reports ready.
# Usage: scripts/deploy.sh [--production]   (--production adds nginx on port 80)
set -euo pipefail

readonly READY_URL="http://localhost:8000/health/ready"
readonly READY_TIMEOUT_SECONDS=60

cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() {
  echo "error: $*" >&2
  exit 1
}

fail_with_logs() {
  echo "error: $*" >&2
  docker compose logs --tail 50 app >&2 || true
  exit 1
}

# Last assignment wins, as in compose; strips `export`, quotes and a trailing comment.
env_file_value() {
  local line value
  line=$(grep -E "^[[:space:]]*(export[[:space:]]+)?$1[[:space:]]*=" .env | tail -n 1) || return 0
  value=${line#*=}
  value=${value%$'\r'}
  value=${value#"${value%%[![:space:]]*}"}
  if [[ $value =~ ^\"([^\"]*)\" || $value =~ ^\'([^\']*)\' ]]; then
    value=${BASH_REMATCH[1]}
  else
    value=${value%%[[:space:]]#*}
    value=${value%"${value##*[![:space:]]}"}
  fi
  printf '%s' "$value"
}

profile_args=()
case "${1:-}" in
  "") ;;
  --production) profile_args=(--profile production) ;;
  -h | --help)
    sed -n '2,3p' "$0"
    exit 0
    ;;
  *) die "unknown argument '$1' (usage: $0 [--production])" ;;
esac

docker compose version >/dev/null 2>&1 || die "'docker compose' (Compose v2) is required"
command -v curl >/dev/null 2>&1 || die "curl is required"
[[ -f .env ]] || die ".env not found; copy .env.example to .env and fill it in"

if [[ -z "$(env_file_value OPENAI_API_KEY)" && "$(env_file_value LLM_PROVIDER)" != "mock" ]]; then
  die ".env has no OPENAI_API_KEY; set it, or set LLM_PROVIDER=mock to run without a provider"
fi

# ${arr[@]+...}: an empty array is an unbound variable under `set -u` in bash < 4.4.
docker compose ${profile_args[@]+"${profile_args[@]}"} up -d --build ||
  fail_with_logs "docker compose up failed"

echo "Waiting up to ${READY_TIMEOUT_SECONDS}s for ${READY_URL} ..."
deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
until curl -fsS -o /dev/null --max-time 3 "$READY_URL" 2>/dev/null; do
  ((SECONDS < deadline)) || fail_with_logs "app not ready after ${READY_TIMEOUT_SECONDS}s"
  sleep 2
done

echo "llm-chat-api is ready:"
echo "  API:     http://localhost:8000/api/v1/chat"
echo "  Docs:    http://localhost:8000/docs"
echo "  Metrics: http://localhost:8000/metrics"
if ((${#profile_args[@]} > 0)); then
  echo "  Public (nginx): http://localhost/"
fi
