#!/usr/bin/env bash
# Builds the Debian package of Rampart into OUTPUT_DIR (default: ./dist) and prints the .deb's path on the last line.
#
#   bash scripts/package-deb.sh [OUTPUT_DIR]
#
# The program is published by scripts/publish.sh (self-contained for linux-x64, compiled ahead of time) into /usr/lib/rampart (the package depends on no .NET
# package: Debian ships none, and a runtime installed by hand is not dpkg's to depend on), /usr/bin/rampart links
# to it. The package's other files are in packaging/debian/ (see its README.md); the version is Directory.Build.props'.
# Needs the .NET SDK, clang, dpkg-deb and the NuGet feed (or a warm package cache) for the linux-x64 runtime pack and the
# ILCompiler package.
set -euo pipefail
cd "$(dirname "$0")/.."
# The package's modes come from the staged files: a caller's umask 077 would ship /usr/lib/rampart (and /usr itself,
# as dpkg sees the tree) unreadable to everyone but root.
umask 022

out=${1:-dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
version=$(dotnet msbuild src/Rampart/Rampart.csproj -getProperty:Version -nologo | tr -d '[:space:]')
[[ $version =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || { echo "package-deb: no usable Version in Directory.Build.props: '$version'" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/rampart-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
pkg="$stage/root"

# The same build the benchmarks measure (scripts/publish.sh: self-contained, one native executable), or the one
# already published into RAMPART_PUBLISHED (scripts/test.sh compiles it once for the process tests and this package).
if [ -n "${RAMPART_PUBLISHED:-}" ]; then
  [ -x "$RAMPART_PUBLISHED/Rampart" ] || { echo "package-deb: no Rampart in RAMPART_PUBLISHED=$RAMPART_PUBLISHED" >&2; exit 1; }
  mkdir -p "$pkg/usr/lib/rampart"
  cp -a "$RAMPART_PUBLISHED/." "$pkg/usr/lib/rampart/"
else
  bash scripts/publish.sh "$pkg/usr/lib/rampart"
fi

chmod -R u=rwX,go=rX "$pkg/usr/lib/rampart"
install -d -m 0750 "$pkg/etc/rampart"
install -d -m 0755 "$pkg/usr/bin" "$pkg/usr/lib/systemd/system" "$pkg/usr/share/doc/rampart" "$pkg/DEBIAN"
ln -s ../lib/rampart/Rampart "$pkg/usr/bin/rampart"
# Shipped 0640 so the file is never world-readable, not even between unpack and postinst's chgrp to rampart.
install -m 0640 packaging/debian/rampart.yaml "$pkg/etc/rampart/rampart.yaml"
install -m 0644 packaging/debian/rampart.service "$pkg/usr/lib/systemd/system/rampart.service"
install -m 0644 docs/deployment.md docs/configuration.md docs/events.md "$pkg/usr/share/doc/rampart/"
install -m 0644 examples/gateway.yaml "$pkg/usr/share/doc/rampart/gateway.yaml.example"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$pkg/DEBIAN/"
echo /etc/rampart/rampart.yaml > "$pkg/DEBIAN/conffiles"

size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
# The native program links libc and libm alone (ldd) and opens libssl when TLS starts; zlib is compiled in. libldap
# is opened only for recipients: ldap:, hence suggested.
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: rampart
Version: $version
Architecture: amd64
Maintainer: Rampart developers <postmaster@localhost>
Installed-Size: $size
Depends: adduser, libc6, libssl3 | libssl1.1
Recommends: ca-certificates
Suggests: clamav-daemon, rspamd, unbound, libldap-2.5-0
Section: mail
Priority: optional
Description: SMTP edge mail gateway
 Rampart sits in the perimeter network between the internet and an
 organisation's internal mail server: an inbound listener accepts mail for the
 organisation's domains, an outbound listener relays for its servers, each with
 its own policy chain (recipient validation, DNS lists, SPF, DKIM, DMARC,
 greylisting, attachment and virus filtering), a durable queue and delivery by
 MX or smart host. Runs as the rampart user under systemd.
CONTROL

deb="$out/rampart_${version}_amd64.deb"
# gzip, not xz: the self-contained runtime makes the package large, and xz takes minutes on a small machine.
dpkg-deb --root-owner-group -Zgzip --build "$pkg" "$deb" >/dev/null
echo "$deb"
