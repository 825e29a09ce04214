#!/usr/bin/env bash
# The sample programme walked through the `jalon` command, as a secretariat would on its first days.
# Uses its own database (var/demo.db) so it never touches yours; run it again to start afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
rm -f var/demo.db var/demo.db-wal var/demo.db-shm
export JALON_DATABASE_URL="sqlite:///var/demo.db"
export COLUMNS="${COLUMNS:-150}"

SEC=claire.martin@aston.example.org
SEC2=tom.baker@aston.example.org
FIN=ines.diallo@aston.example.org
COACH=amadou.traore@coach.example.org
OTHER_COACH=leila.benali@coach.example.org
LEAD=fatoumata.keita@bamako.example.org

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
refused() { printf '$ %s\n' "$*"; if "$@"; then echo "(unexpectedly allowed)"; exit 1; fi; }

step "Set up: database, programme, cities, people"
show jalon init
show jalon programme load examples/programme.yaml
show jalon cities import examples/cities.csv
show jalon people import examples/people.csv

step "Cities answer the selection notice (one declines)"
show jalon act BKO confirm --by "$LEAD"
show jalon act MTL confirm --by helio.mondlane@matola.example.org
show jalon act STL decline --by awa.ndiaye@saintlouis.example.org --set "reason=Municipal elections this year"

step "Contract and first payment for Bamako"
show jalon act BKO send_contract --by "$SEC"
show jalon act BKO sign_contract --by "$SEC" --set amount=10000 --set currency=EUR --note "Signed by both sides"
refused jalon act BKO record_first_payment --by "$SEC"
show jalon act BKO record_first_payment --by "$FIN"

step "Onboarding: the checklist must be complete to move on"
show jalon act BKO tick_objective --by "$LEAD" --set item=kickoff_attended
refused jalon act BKO finish_onboarding --by "$SEC"
for item in secretariat_visit participation_public expectations_defined questions_answered; do
  show jalon act BKO tick_objective --by "$SEC" --set item=$item
done
show jalon act BKO finish_onboarding --by "$SEC"

step "Experiment planning, and the coach decides when the committee meets"
show jalon act BKO submit_plan --by "$LEAD" --set "title=Données ouvertes des marchés" \
  --set "hypothesis=Vendors use open price data" --set budget=40000 --set currency=EUR --set duration_months=9
show jalon can BKO --by "$OTHER_COACH"
refused jalon act BKO send_to_committee --by "$OTHER_COACH"
show jalon can BKO --by "$COACH"
show jalon act BKO send_to_committee --by "$COACH" --note "Ready: budget and procurement checked"

step "Investment committee: above the ceiling is refused, then approved"
refused jalon act BKO approve_grant --by "$SEC" --set amount=60000 --set currency=EUR
show jalon act BKO approve_grant --by "$SEC2" --set amount=45000 --set currency=EUR
show jalon act BKO pay_tranche --by "$FIN"

step "A shock pauses Matola; it resumes where it left off"
show jalon act MTL pause --by "$SEC" --set "reason=Cyclone: the city team is unreachable"
show jalon act MTL resume --by "$SEC"

step "Time: every deadline on its city's calendar, an extension, and a sweep a month from now"
show jalon deadlines
show jalon extend NIM --days 10 --reason "Le conseil municipal se réunit le 28" --by "$SEC"
AHEAD=$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc)+d.timedelta(days=30)).isoformat(timespec="minutes"))')
show jalon sweep --at "$AHEAD"
show jalon deadlines --overdue --at "$AHEAD"
show jalon calendar MTL | head -20

step "What was said: every message in its reader's language, delivered to a local mail sink"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -rf var/mail
jalon mail-sink --dir var/mail --port "$PORT" > var/mail-sink.log 2>&1 &
SINK=$!
trap 'kill $SINK 2>/dev/null || true' EXIT
python3 -c "import socket,sys,time
for _ in range(100):
    try: socket.create_connection(('127.0.0.1', $PORT), timeout=1).close(); sys.exit(0)
    except OSError: time.sleep(0.1)
sys.exit('the mail sink did not start')"
export JALON_SMTP_PORT="$PORT"
show jalon digest --at "$AHEAD"
show jalon bulletin --at "$AHEAD"
printf '$ jalon deliver --at %s | tail -6\n' "$AHEAD"; jalon deliver --at "$AHEAD" | tail -6
printf '$ ls var/mail | head -5\n'; ls var/mail | head -5
echo "... $(ls var/mail | wc -l) messages in var/mail/ (open any .eml in a mail client)"
python3 - <<'PY'
import email, email.policy, glob
for wanted in ("matola", "bamako"):
    path = next(p for p in sorted(glob.glob("var/mail/*.eml")) if wanted in p)
    msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    print(f"\n--- {path} ({msg['Content-Language']})\nTo: {msg['To']}\nSubject: {msg['Subject']}\n")
    print("\n".join(msg.get_body(("plain",)).get_content().splitlines()[:8]))
PY

step "The board, Bamako's history, and the audit check"
show jalon status
show jalon history BKO
show jalon verify
show jalon status --json | head -12

step "The journey, as a Mermaid diagram (also in README.md)"
show jalon diagram | head -8
echo "..."
echo
echo "Done. The database is var/demo.db, the messages var/mail/*.eml;"
echo "try: JALON_DATABASE_URL=sqlite:///var/demo.db .venv/bin/jalon outbox"
