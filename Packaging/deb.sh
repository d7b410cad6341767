#!/usr/bin/env bash
# Builds the Debian package wellbeing_<version>_<arch>.deb from the commit checked out (HEAD) and prints its path
# as the last line. Needs a Swift toolchain and Debian's dpkg-deb, dpkg-shlibdeps (dpkg-dev) and objdump (binutils);
# the package it makes needs no Swift.
#
#   Packaging/deb.sh            # → …/.build-package/wellbeing_0.1.0_amd64.deb
#
# What it does:
# - exports HEAD (`git archive`) into .build-package/src and records the commit there (BuildInfo.swift), so that
#   `wellbeing --version` names the commit the package was built from; uncommitted changes are not packaged
#   (a warning says so);
# - one release binary with the static Swift runtime and every trait of Package.swift (PostgreSQL, …);
# - Depends: what the binary links (objdump -p), with versions from dpkg-shlibdeps; a library that no Debian
#   package provides fails the build;
# - /usr/share/wellbeing: the bundled instruments, KPI catalogues, reference figures and samples (Surveys/,
#   without its generator scripts); man pages (argument-parser's generate-manual, the plugin's tool); bash, zsh and fish
#   completions; README, copyright and an example systemd unit under /usr/share/doc/wellbeing.
#
# Environment: WELLBEING_PACKAGE_DIR (default <repo>/.build-package) for the export, the build and the .deb;
# WELLBEING_MAINTAINER for the Maintainer field (default: the author of HEAD).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${WELLBEING_PACKAGE_DIR:-$repo/.build-package}
say() { echo "deb.sh: $*" >&2; }

for tool in git swift dpkg-deb dpkg-shlibdeps objdump; do
  command -v "$tool" >/dev/null || { say "needs $tool (apt-get install dpkg-dev binutils; Swift 6.1 or later)"; exit 1; }
done

version=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' "$repo/Sources/WellBeingCore/ToolVersion.swift")
[ -n "$version" ] || { say "cannot read the version from Sources/WellBeingCore/ToolVersion.swift"; exit 1; }
commit=$(git -C "$repo" rev-parse HEAD)
commit_date=$(TZ=UTC git -C "$repo" show -s --date=format-local:%Y-%m-%d --format=%cd HEAD)
epoch=$(git -C "$repo" show -s --format=%ct HEAD)
arch=$(dpkg --print-architecture)
# The project names no maintainer address yet: the package names whoever made HEAD, unless told otherwise.
maintainer=${WELLBEING_MAINTAINER:-$(git -C "$repo" show -s --format='%an <%ae>' HEAD)}
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  say "warning: the working tree has uncommitted changes; the package is built from commit ${commit:0:12} without them"
fi

# The sources of HEAD, with the commit recorded.
src=$work/src
rm -rf "$src"
mkdir -p "$src"
git -C "$repo" archive --format=tar HEAD | tar -x -C "$src"
buildinfo=$src/Sources/WellBeingCore/BuildInfo.swift
sed -i -e "s|static let commit: String? = nil|static let commit: String? = \"$commit\"|" \
       -e "s|static let date: String? = nil|static let date: String? = \"$commit_date\"|" "$buildinfo"
grep -q "\"$commit\"" "$buildinfo" || { say "could not record the commit in BuildInfo.swift"; exit 1; }

say "building wellbeing $version (${commit:0:12}) for release, static Swift runtime, all traits"
build=$work/build
# Only the tool: the tests' helper library (WellBeingTestSupport) uses Swift Testing, which has no static runtime.
swift build --package-path "$src" --build-path "$build" -c release --static-swift-stdlib --enable-all-traits --product wellbeing >&2
binary=$(swift build --package-path "$src" --build-path "$build" -c release --static-swift-stdlib --enable-all-traits \
  --show-bin-path)/wellbeing
[ -x "$binary" ] || { say "no binary at $binary"; exit 1; }

root=$work/root
rm -rf "$root"
install -d "$root/DEBIAN" "$root/usr/bin"
install -m 0755 "$binary" "$root/usr/bin/wellbeing"
strip --strip-unneeded "$root/usr/bin/wellbeing"
# The Swift runtime and Foundation must be inside the binary: a package that needs a toolchain is no package.
if objdump -p "$root/usr/bin/wellbeing" | awk '/NEEDED/ {print $2}' | grep -E -q '^lib(swift|Foundation|dispatch|BlocksRuntime)'; then
  say "the binary links the Swift runtime dynamically:"; objdump -p "$root/usr/bin/wellbeing" | grep NEEDED >&2; exit 1
fi

# The man page: argument-parser's generate-manual tool, the one its `generate-manual` plugin runs. The plugin
# itself rebuilds the whole package in release without --static-swift-stdlib first (measured: every module again),
# so the tool is built alone (about 25 s) and run on the packaged binary.
say "writing the man page"
swift build --package-path "$src" --build-path "$build" -c release --product generate-manual >&2
tool=$(swift build --package-path "$src" --build-path "$build" -c release --show-bin-path)/generate-manual
manual=$work/manual
rm -rf "$manual"
mkdir -p "$manual"
"$tool" "$root/usr/bin/wellbeing" --output-directory "$manual" --authors "wellbeing developers" >&2
[ -f "$manual/wellbeing.1" ] || { say "generate-manual wrote no wellbeing.1 (looked in $manual)"; exit 1; }

install -d "$root/usr/share/wellbeing" "$root/usr/share/doc/wellbeing" \
  "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
  "$root/usr/share/fish/vendor_completions.d"

# Bundled files: everything under Surveys/ but the scripts that made them.
(cd "$src/Surveys" && find . -type f ! -name '*.py' ! -path './tools/*' -print0 | sort -z) |
  while IFS= read -r -d '' file; do install -D -m 0644 "$src/Surveys/$file" "$root/usr/share/wellbeing/$file"; done
[ -f "$root/usr/share/wellbeing/lwc.yaml" ] || { say "the bundled files are missing lwc.yaml"; exit 1; }

for page in "$manual"/*.1; do gzip -9n < "$page" > "$root/usr/share/man/man1/$(basename "$page").gz"; done
"$root/usr/bin/wellbeing" --generate-completion-script bash > "$root/usr/share/bash-completion/completions/wellbeing"
"$root/usr/bin/wellbeing" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_wellbeing"
"$root/usr/bin/wellbeing" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/wellbeing.fish"

doc=$root/usr/share/doc/wellbeing
install -m 0644 "$src/README.md" "$doc/README.md"
install -m 0644 "$src/Packaging/wellbeing-serve.service" "$doc/wellbeing-serve.service.example"
{
  cat "$src/Packaging/copyright"
  # The libraries linked into the binary, with their licences as their checkouts ship them.
  for checkout in "$build"/checkouts/*; do
    licence=$(find "$checkout" -maxdepth 1 -type f \( -iname 'LICENSE*' -o -iname 'COPYING*' \) | sort | head -n 1)
    [ -n "$licence" ] || continue
    printf '\nFiles: (linked into /usr/bin/wellbeing) %s\nLicense: see below\n' "$(basename "$checkout")"
    sed -e 's/^$/./' -e 's/^/ /' "$licence"
  done
} > "$doc/copyright"
chmod 0644 "$doc/copyright"

# Depends: exactly the shared libraries the binary names, each with the Debian package and minimum version that
# dpkg-shlibdeps finds for it.
shlib=$work/shlibdeps
rm -rf "$shlib"
mkdir -p "$shlib/debian"
printf 'Source: wellbeing\n\nPackage: wellbeing\nArchitecture: %s\n' "$arch" > "$shlib/debian/control"
needed=$(objdump -p "$root/usr/bin/wellbeing" | awk '/NEEDED/ {print $2}' | sort | tr '\n' ' ')
say "the binary links: $needed"
depends=$(cd "$shlib" && dpkg-shlibdeps -O -e"$root/usr/bin/wellbeing" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { say "dpkg-shlibdeps found no dependencies (run it by hand in $shlib to see why)"; exit 1; }
say "Depends: $depends"

installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: wellbeing
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Depends: $depends
Section: science
Priority: optional
Description: regional well-being indicators from a citizen survey
 wellbeing turns a city's citizen survey (such as the Digital Agency's
 地域幸福度 (Well-Being) standard questionnaire) into regional indicators with
 confidence intervals, weighting, comparisons with the city's KPIs and public
 benchmarks, and reports in Japanese and English (HTML, Markdown, Excel).
 Everything stays in one SQLite file, or a PostgreSQL database.
 .
 Built from commit $commit ($commit_date). The bundled instruments and samples
 are in /usr/share/wellbeing; try: wellbeing demo
CONTROL

find "$root" -exec touch -h -d "@$epoch" {} +
deb=$work/wellbeing_${version}_${arch}.deb
rm -f "$deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "$deb"
