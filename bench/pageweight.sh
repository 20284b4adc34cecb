#!/usr/bin/env bash
# bench/pageweight.sh: how heavy each page of the needs survey is for a respondent on a slow phone.
# DESIGN.md: "A respondent's page is at most 14 KB compressed (it fits the first round trip) and
# works with no JavaScript". Reports figures and PASS/FAIL per page against that budget; it is a
# bench, so it exits 0 whatever the figures (2 when it cannot run, 1 when the walk itself breaks).
#
#   bench/pageweight.sh            expects ./build/edubridge (set EDUBRIDGE_BIN for another)
#
# It makes a demo database in a temp dir, serves it on an ephemeral loopback port, and walks the
# survey with curl as a respondent would: the intro page, Start (POST), every page in turn (GET the
# page, then POST valid answers to it and follow the 303 to the next), the review page, Send, the
# thank-you page; and, on a second draft, a page answered wrongly (the 422 page with its error
# summary). Every page is fetched twice: with `Accept-Encoding: gzip` (curl does not decompress, so
# size_download is the compressed body as it crosses the wire) and without (the HTML itself).
# The stylesheet is counted once: it is cached (immutable, address carries its hash) after the
# first page. The budget is judged on what the first round trip must carry: response headers plus
# the gzip body; the body alone is shown too.
#
# curl runs no script: reaching the thank-you page with it shows that no page needs one.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${EDUBRIDGE_BIN:-./build/edubridge}
FORM=needs-survey
BUDGET=14336   # 14 KB: about ten TCP segments, the first round trip of a fresh connection

for tool in "$BIN" "$(command -v curl || echo curl)" "$(command -v gzip || echo gzip)"; do
  [ -x "$tool" ] || { echo "pageweight: $tool is missing (ninja -C build builds edubridge; scripts/deps.sh installs the rest)" >&2; exit 2; }
done
BIN=$(realpath "$BIN")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/edubridge-pageweight.XXXXXX")
srv_pid=""
cleanup() {
  if [ -n "$srv_pid" ] && kill -0 "$srv_pid" 2>/dev/null; then
    kill -TERM "$srv_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$srv_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$srv_pid" 2>/dev/null || true
    wait "$srv_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$BIN" demo --db "$tmp/demo.db" >/dev/null
"$BIN" serve --db "$tmp/demo.db" --listen 127.0.0.1:0 --no-access-log >"$tmp/serve.out" 2>"$tmp/serve.err" &
srv_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's|^edubridge is serving on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.out")
  [ -n "$port" ] && break
  kill -0 "$srv_pid" 2>/dev/null || { echo "pageweight: edubridge exited:" >&2; cat "$tmp/serve.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "pageweight: edubridge did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"

# Valid answers to every question, as the pages post them (f-NAME; a checkbox group repeats its
# name). The role "Other", so that its "Specify other." page is asked; several barriers, so that
# "the biggest barrier" gets its own page; consent yes (page 1), so that the personal questions and
# the follow-up question are asked:
# this walk visits every page the form has. A page reads only its own fields from the post, so the
# same body serves every page.
answers='f-role=other&f-role_other=ICT+coordinator&f-respondent_name=Ana+Nowak&f-email=ana.nowak%40example.org&f-phone=%2B48+600+123+456'
answers+='&f-institution_name=Szko%C5%82a+Podstawowa+nr+7&f-institution_kind=school&f-education_type=formal'
answers+='&f-country=PL&f-region=Mazowieckie&f-area=rural&f-learners=300&f-teachers=25'
answers+='&f-age_ranges=age_6_11&f-age_ranges=age_12_15&f-devices=40&f-device_types=laptop&f-device_types=tablet'
answers+='&f-maintainer=staff&f-connection=fixed_slow&f-reliability=often_interrupted&f-teachers_confident=3'
answers+='&f-teachers_find_content=4&f-teachers_online_safety=2&f-training_share=pct_1_25'
answers+='&f-training_needs=online_safety&f-training_needs=coding_robotics&f-training_mode=in_person'
answers+='&f-tech_frequency=weekly&f-learners_find_info=3&f-learners_safe_online=4'
answers+='&f-tech_purposes=presenting&f-tech_purposes=practice'
answers+='&f-barriers=cost_devices&f-barriers=connectivity&f-barriers=electricity&f-barriers=other'
answers+='&f-barriers_other=Break-ins+at+night&f-biggest_barrier=connectivity'
answers+='&f-help_most=devices&f-digital_plan=in_progress&f-anything_else=We+share+one+projector.'
answers+='&f-consent=yes&f-contact_pilot=yes'

rows=()
fails=0
css_url=""

# measure KIND METHOD URL [POST-DATA]: one row. GET pages are fetched twice (gzip, then plain);
# a POST that answers with a page (the 422) is sent twice as well, each on its own fresh draft page.
measure() {
  local kind=$1 method=$2 url=$3 data=${4:-} gz plain head code enc scripts verdict total
  local args=(-s -X "$method")
  [ -n "$data" ] && args+=(--data "$data")
  read -r gz head code < <(curl "${args[@]}" -H 'Accept-Encoding: gzip' -D "$tmp/h" -o "$tmp/b.gz" \
    -w '%{size_download} %{size_header} %{http_code}\n' "$url")
  enc=$(sed -n 's/^[Cc]ontent-[Ee]ncoding: *\([a-z]*\).*/\1/p' "$tmp/h")
  plain=$(curl "${args[@]}" -o "$tmp/b.html" -w '%{size_download}\n' "$url")
  # The same HTML both ways: the gzip copy, unpacked, is the plain page (minus the per-draft
  # parts that differ between two fetches: none for a GET; a POST is fetched as sent).
  if [ "$enc" = gzip ]; then gzip -dc "$tmp/b.gz" >"$tmp/b.unz"; else cp "$tmp/b.gz" "$tmp/b.unz"; fi
  if [ "$method" = GET ] && ! cmp -s "$tmp/b.unz" "$tmp/b.html"; then
    echo "pageweight: $url: the gzip body does not unpack to the plain page" >&2
  fi
  scripts=$( (grep -o -i '<script' "$tmp/b.html" || true) | wc -l)
  if [ -z "$css_url" ]; then
    css_url=$( (grep -o 'href="/static/app\.css[^"]*"' "$tmp/b.html" || true) | head -1 | sed 's/^href="//; s/"$//')
  fi
  total=$((head + gz))
  if [ "$total" -le "$BUDGET" ]; then verdict=PASS; else verdict=FAIL; fails=$((fails + 1)); fi
  rows+=("$(printf '%-26s %5s %9s %8s %9s %11s %8s   %s' "$kind" "$code" "$gz" "$head" "$total" "$plain" \
    "$([ "$scripts" = 0 ] && echo none || echo "$scripts")" "$verdict")")
  last_body="$tmp/b.html"
}

post_location() { # URL DATA: POST and print the Location (relative) of the 303
  curl -s -o /dev/null -X POST --data "$2" -w '%{http_code} %{redirect_url}\n' "$1" | {
    read -r code loc
    [ "$code" = 303 ] || { echo "pageweight: POST $1 answered $code, not 303" >&2; exit 1; }
    echo "${loc#"$base"}"
  }
}

# --- the walk -------------------------------------------------------------------------------------
measure "intro" GET "$base/s/$FORM"
loc=$(post_location "$base/s/$FORM/start" "lang=en")
n=0
while :; do
  case $loc in
    */review) break ;;
    */p/*) ;;
    *) echo "pageweight: unexpected address $loc" >&2; exit 1 ;;
  esac
  n=$((n + 1))
  [ "$n" -le 30 ] || { echo "pageweight: more than 30 pages" >&2; exit 1; }
  page=${loc##*/p/}; page=${page%%\?*}
  measure "page $page" GET "$base$loc"
  title=$( (grep -o '<title>[^<·]*' "$last_body" || true) | sed 's/<title>//; s/ *$//')
  rows[-1]+="   ($title)"
  loc=$(post_location "$base${loc%%\?*}" "i=0&go=next&$answers")
done
measure "review" GET "$base$loc"
draft=${loc%/review}
# The other languages of the form, for the two largest pages (a GET with ?lang= changes nothing).
for l in fr de pl; do
  measure "page 4 ($l)" GET "$base$draft/p/4?i=0&lang=$l"
  measure "review ($l)" GET "$base$draft/review?lang=$l"
done
loc=$(post_location "$base$draft/submit" "")
case $loc in */done) ;; *) echo "pageweight: sending led to $loc, not the thank-you page" >&2; exit 1 ;; esac
measure "thank-you" GET "$base$loc"
grep -q '<h1>Thank you</h1>' "$last_body" || { echo "pageweight: no thank-you page" >&2; exit 1; }

# A page with errors: a second draft, page 5 (after the country: numbers, checkboxes) answered with
# 0 learners and no region. Each POST saves the wrong answers again and shows the same page, so both
# fetches match.
loc=$(post_location "$base/s/$FORM/start" "lang=en")
for _ in 1 2 3 4; do loc=$(post_location "$base${loc%%\?*}" "i=0&go=next&$answers"); done
case $loc in */p/5\?*) ;; *) echo "pageweight: the walk to page 5 led to $loc" >&2; exit 1 ;; esac
bad=$(printf '%s' "$answers" | sed 's/f-learners=300/f-learners=0/; s/f-region=Mazowieckie/f-region=/')
measure "page 5 with errors (422)" POST "$base${loc%%\?*}" "i=0&go=next&$bad"
grep -q 'class="error-summary"' "$last_body" || { echo "pageweight: the wrong answers gave no error summary" >&2; exit 1; }

# --- the stylesheet, once -------------------------------------------------------------------------
[ -n "$css_url" ] || { echo "pageweight: no stylesheet link in the pages" >&2; exit 1; }
read -r css_gz css_head < <(curl -s -H 'Accept-Encoding: gzip' -D "$tmp/ch" -o /dev/null \
  -w '%{size_download} %{size_header}\n' "$base$css_url")
css_plain=$(curl -s -o /dev/null -w '%{size_download}\n' "$base$css_url")
css_cache=$(sed -n 's/^[Cc]ache-[Cc]ontrol: *//p' "$tmp/ch" | tr -d '\r')
intro_total=$(printf '%s\n' "${rows[0]}" | awk '{print $5}')
first_visit=$((intro_total + css_head + css_gz))

# --- the report -----------------------------------------------------------------------------------
echo
echo "edubridge page weight: needs survey ($FORM), every page of one walk in English (the two largest also in fr, de, pl);"
echo "budget $BUDGET B (14 KB) per page: response headers + gzip body"
echo
printf '%-26s %5s %9s %8s %9s %11s %8s   %s\n' "page" "HTTP" "gzip body" "headers" "wire" "plain HTML" "<script>" "budget"
for r in "${rows[@]}"; do echo "$r"; done
echo
echo "stylesheet $css_url: $css_gz B gzip body + $css_head B headers ($css_plain B plain); Cache-Control: $css_cache; fetched once, on the first page"
echo "first visit (intro page + stylesheet, two responses): $first_visit B; $([ "$first_visit" -le "$BUDGET" ] && echo "within" || echo "over") $BUDGET B"
echo "subresources per page: the stylesheet only (no image, font or script is linked)"
echo "scripts: no page of this walk has a <script> element; none is required: this walk is curl, which runs"
echo "  no script, from the intro page to the thank-you page, and tests/browser/run.mjs answers the whole"
echo "  survey by keyboard with JavaScript disabled. (static/survey.js exists: an optional 'use my location'"
echo "  button, linked only on pages with a location question; the needs survey has none.)"
if [ "$fails" = 0 ]; then echo "result: every page PASS (<= $BUDGET B)"; else echo "result: $fails page(s) FAIL (> $BUDGET B)"; fi
echo
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
echo "versions: $("$BIN" version) (tree $(git describe --always --dirty 2>/dev/null || echo unknown)), $(curl --version | head -1 | cut -d' ' -f1-2)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commands:"
echo "  $BIN demo --db $tmp/demo.db"
echo "  $BIN serve --db $tmp/demo.db --listen 127.0.0.1:0 --no-access-log &"
echo "  curl -s -H 'Accept-Encoding: gzip' -D HEADERS -o BODY.gz -w '%{size_download} %{size_header} %{http_code}' URL   # gzip body, headers"
echo "  curl -s -o BODY.html -w '%{size_download}' URL                                                       # plain HTML"
echo "  curl -s -o /dev/null -X POST --data 'lang=en' -w '%{redirect_url}' $base/s/$FORM/start                # then each page:"
echo "  curl -s -o /dev/null -X POST --data 'i=0&go=next&f-role=other&...' -w '%{redirect_url}' $base/s/$FORM/r/TOKEN/p/N"
echo "  curl -s -o /dev/null -X POST -w '%{redirect_url}' $base/s/$FORM/r/TOKEN/submit"
