#!/usr/bin/env bash
# Tests the Debian package as a new machine would meet it: a clean Debian root (debootstrap --variant=minbase,
# no Swift inside), the package installed there with apt-get, then, as a new user in an empty folder: the
# version, the demo, the bundled instruments, an import with --instrument lwc, a report, `man wellbeing`, a
# local version of the instrument, and the bash completion. Any failure fails the script (and CI).
#
#   Packaging/test-deb.sh [path/to/wellbeing_…deb]     # default: builds one with Packaging/deb.sh
#
# Needs root (debootstrap, chroot) and Debian's apt mirror (the one this machine's apt uses); installs
# debootstrap if missing. The root is made under /tmp and removed afterwards (WELLBEING_KEEP_ROOT=1 keeps it).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "test-deb.sh: $*" >&2; }
seconds() { date +%s; }
[ "$(id -u)" = 0 ] || { say "needs root (debootstrap and chroot)"; exit 1; }

started=$(seconds)
deb=${1:-}
if [ -z "$deb" ]; then
  deb=$("$repo/Packaging/deb.sh" | tail -n 1)
  say "package built in $(( $(seconds) - started )) s: $deb"
fi
[ -f "$deb" ] || { say "no package at '$deb'"; exit 1; }
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")

if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >&2
fi
# The Debian mirror this machine's apt uses (deb822 .sources or one-line lists), else Debian's own.
mirror=$(grep -hs -E '^URIs:|^deb ' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
  grep -v -- '-security' | grep -o -E 'https?://[^ ]+' | head -n 1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
suite=${WELLBEING_TEST_SUITE:-bookworm}

work=$(mktemp -d /tmp/wellbeing-debroot.XXXXXX)
root=$work/root
cleanup() {
  mountpoint -q "$root/proc" 2>/dev/null && umount "$root/proc"
  if [ "${WELLBEING_KEEP_ROOT:-0}" = 1 ]; then say "kept the root: $root"; else rm -rf "$work"; fi
}
trap cleanup EXIT

step=$(seconds)
say "making a clean $suite root from $mirror"
debootstrap --variant=minbase "$suite" "$root" "$mirror" > "$work/debootstrap.log" 2>&1 ||
  { tail -n 30 "$work/debootstrap.log" >&2; say "debootstrap failed"; exit 1; }
say "root made in $(( $(seconds) - step )) s"

mount -t proc proc "$root/proc"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

step=$(seconds)
cp "$deb" "$root/tmp/"
in_root apt-get update -q >&2
# What a user does: the package, then man-db to read its manual and bash-completion for the shell.
in_root apt-get install -y -q --no-install-recommends "./tmp/$(basename "$deb")" man-db bash-completion >&2
say "installed in $(( $(seconds) - step )) s"

if in_root sh -c 'command -v swift || ls /usr/lib/swift /usr/lib/libswiftCore.so 2>/dev/null | head -n 1' | grep -q .; then
  say "the root has Swift in it: the test would prove nothing"; exit 1
fi

in_root useradd --create-home --shell /bin/bash clerk
cat > "$root/home/clerk/check.sh" <<'CHECK'
set -euo pipefail
fail() { echo "FAILED: $*" >&2; exit 1; }
mkdir empty && cd empty

echo "--- wellbeing --version"
wellbeing --version | tee version.txt
grep -E -q '^[0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{40}, [0-9]{4}-[0-9]{2}-[0-9]{2}\)$' version.txt ||
  fail "--version does not name a commit"
rm version.txt

echo "--- wellbeing demo (in an empty folder)"
wellbeing demo > demo.txt
grep -q "Headline indicators" demo.txt || fail "the demo printed no headline indicators"
[ -s Reports/demo/lwc-2025.html ] || fail "the demo wrote no Reports/demo/lwc-2025.html"

echo "--- wellbeing instruments"
wellbeing instruments | tee instruments.txt
grep -q '^lwc .*std-2025' instruments.txt || fail "instruments does not list lwc std-2025"
grep -q '/usr/share/wellbeing' instruments.txt || fail "instruments does not name /usr/share/wellbeing"

echo "--- an import with --instrument lwc, then a report"
wellbeing import responses /usr/share/wellbeing/samples/citizen-2025.csv --instrument lwc --period 2025 --store city.sqlite
wellbeing import kpis /usr/share/wellbeing/samples/kpis.csv --catalog kpis-lwc --store city.sqlite
wellbeing import reference national-2025 --period 2025 --store city.sqlite
wellbeing indicators --period 2025 --store city.sqlite > indicators.txt
[ -s indicators.txt ] || fail "indicators printed nothing"
wellbeing report --period 2025 --store city.sqlite --out report
[ -s report/lwc-2025.html ] || fail "the report has no lwc-2025.html"

echo "--- a city's local version"
wellbeing instruments new city.yaml --extends lwc
grep -q '^extends: lwc$' city.yaml || fail "city.yaml does not extend lwc"
if wellbeing instruments new city.yaml --extends lwc 2>/dev/null; then fail "instruments new replaced city.yaml"; fi

echo "--- man wellbeing"
MANPAGER=cat MANWIDTH=100 man wellbeing > man.txt
grep -q 'SYNOPSIS' man.txt || fail "man wellbeing has no SYNOPSIS"
grep -q 'demo' man.txt || fail "man wellbeing does not mention demo"
head -n 12 man.txt

echo "--- bash completion"
# bash-completion's own scripts expect a lenient shell, as an interactive one is.
set +eu
source /usr/share/bash-completion/bash_completion
complete -p wellbeing >/dev/null 2>&1 || _completion_loader wellbeing
complete -p wellbeing || fail "bash has no completion for wellbeing"
function_name=$(complete -p wellbeing | sed -n 's/.*-F \([^ ]*\).*/\1/p')
COMP_WORDS=(wellbeing ins); COMP_CWORD=1; COMP_LINE="wellbeing ins"; COMP_POINT=${#COMP_LINE}
"$function_name" wellbeing ins wellbeing
printf '%s\n' "${COMPREPLY[@]}" | grep -q '^instruments$' || fail "completing 'wellbeing ins' gave: ${COMPREPLY[*]:-nothing}"
echo "completes 'wellbeing ins' to: ${COMPREPLY[*]}"
set -eu
[ -s /usr/share/zsh/vendor-completions/_wellbeing ] || fail "no zsh completion"
[ -s /usr/share/fish/vendor_completions.d/wellbeing.fish ] || fail "no fish completion"
echo "ALL PASSED"
CHECK
in_root chown -R clerk:clerk /home/clerk

step=$(seconds)
in_root su - clerk -c 'bash check.sh' >&2 || { say "the package failed as a new user meets it"; exit 1; }
say "checks ran in $(( $(seconds) - step )) s; everything in $(( $(seconds) - started )) s"
