#!/usr/bin/env bash
# The README's tour: a tenant, its resources, a task with every option, customers from a CSV file,
# then start it and watch. Needs a running `outbound serve` and its system administrator key:
#   OB=http://127.0.0.1:8080 KEY=obk_… bash examples/tour.sh
set -euo pipefail
cd "$(dirname "$0")"
OB="${OB:-http://127.0.0.1:8080}"
: "${KEY:?set KEY to the system administrator key}"
api() { curl -sS -H "authorization: Bearer $1" -H 'content-type: application/json' "${@:2}"; }
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);const r=process.argv[1].split(".").reduce((o,k)=>o?.[k],v);if(r===undefined){console.error(s);process.exit(1)}console.log(typeof r==="string"?r:JSON.stringify(r))})' "$1"; }

echo "1. a tenant (system administrator)"
api "$KEY" "$OB/api/v1/tenants" -d @tenant.json | field id

echo "2. a tenant administrator key"
ADMIN=$(api "$KEY" "$OB/api/v1/tenants/acme/keys" -d '{"name":"tour","role":"tenant_admin"}' | field key)

echo "3. resources: caller numbers (provisioned by the system administrator), then the tenant's own"
for n in 0 1; do
  api "$KEY" "$OB/api/v1/tenants/acme/caller-numbers" -d "$(node -e "console.log(JSON.stringify(require('./resources/caller-numbers.json')[$n]))")" | field number
done
for kind in ous flows questionnaires sms-templates blocklists special-dates attributes number-types result-definitions business-results; do
  node -e "for (const r of require('./resources/$kind.json')) console.log(JSON.stringify(r))" | while read -r doc; do
    printf '   %-20s %s\n' "$kind" "$(api "$ADMIN" "$OB/api/v1/tenants/acme/$kind" -d "$doc" | field id)"
  done
done

echo "4. the task (every option of the configuration)"
TASK=$(api "$ADMIN" "$OB/api/v1/tenants/acme/tasks" -d @task.json | field id)
echo "   task $TASK"

echo "5. customers from a CSV file: bad rows are reported by row number, good rows are kept"
curl -sS -H "authorization: Bearer $ADMIN" -H 'content-type: text/csv' --data-binary @contacts.csv \
  "$OB/api/v1/tenants/acme/tasks/$TASK/contacts/import"
echo

echo "6. start it, then look at progress and at one customer"
api "$ADMIN" -d "{}" "$OB/api/v1/tenants/acme/tasks/$TASK/start" | field state
api "$ADMIN" "$OB/api/v1/tenants/acme/tasks/$TASK/progress" | field byState
api "$ADMIN" "$OB/api/v1/tenants/acme/tasks/$TASK/contacts/C-0001/explain" | field detail
