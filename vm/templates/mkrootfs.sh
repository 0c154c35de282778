#!/bin/sh
# mkrootfs.sh SUITE TARGET APT_ARCHIVES [PACKAGE...]
#
# Bootstraps a small Debian SUITE into the directory TARGET with mmdebstrap:
# the apt variant (Essential packages + apt) plus PACKAGEs, in one run.
# Called by vm/template/template_build.c (as root, in a private mount namespace);
# its content is part of every template hash, so editing it rebuilds.
#
# - APT_ARCHIVES is a .deb cache shared by all builds: bind-mounted as the
#   chroot's /var/cache/apt/archives, so packages are downloaded once.
# - No man pages, docs (copyright files stay), info or translations: the
#   dpkg excludes stay in the rootfs, so later apt-get installs skip them too.
#   They are written by an extract hook, not --dpkgopt: with --dpkgopt
#   excludes mmdebstrap pipes every Essential package through its Python
#   tar filter, which took most of a minute; the few files that the
#   Essential packages' extraction leaves are deleted at the end instead.
# - eatmydata (when mmdebstrap ships its hook) and force-unsafe-io: dpkg's
#   fsync per file is most of the time on slow disks.
# - Mirrors: $SBX_DEBIAN_MIRROR (default http://deb.debian.org/debian) and
#   $SBX_DEBIAN_SECURITY_MIRROR (default: the same host's debian-security).
set -eu
if [ $# -lt 3 ]; then
	echo "usage: $0 SUITE TARGET APT_ARCHIVES [PACKAGE...]" >&2
	exit 2
fi
suite=$1 target=$2 archives=$3
shift 3
command -v mmdebstrap >/dev/null || {
	echo "mmdebstrap is not installed: apt-get install mmdebstrap (or make deps)" >&2
	exit 1
}

mirror=${SBX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
case $mirror in
*/debian) security_default=${mirror}-security ;;
*) security_default=http://deb.debian.org/debian-security ;;
esac
security=${SBX_DEBIAN_SECURITY_MIRROR:-$security_default}

include=
for p in "$@"; do include="$include${include:+,}$p"; done

hooks=
if [ -d /usr/share/mmdebstrap/hooks/eatmydata ]; then
	hooks=--hook-dir=/usr/share/mmdebstrap/hooks/eatmydata
fi

mkdir -p "$archives/partial"
export SBX_APT_ARCHIVES="$archives"
export SBX_DPKG_EXCLUDES='path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/lintian/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright'

# Stable suites have -updates and -security; unstable and experimental do not.
set -- "deb $mirror $suite main"
case $suite in
sid | unstable | experimental | rc-buggy) ;;
*) set -- "$@" "deb $mirror $suite-updates main" "deb $security $suite-security main" ;;
esac

exec mmdebstrap --mode=root --variant=apt --format=directory \
	$hooks \
	${include:+--include="$include"} \
	--aptopt='Acquire::Languages "none"' \
	--aptopt='APT::Install-Recommends "false"' \
	--dpkgopt=force-unsafe-io \
	--extract-hook='printf "%s\n" "$SBX_DPKG_EXCLUDES" >"$1/etc/dpkg/dpkg.cfg.d/90sbx-nodoc"' \
	--skip=essential/unlink \
	--setup-hook='mkdir -p "$1/var/cache/apt/archives" && mount --bind "$SBX_APT_ARCHIVES" "$1/var/cache/apt/archives"' \
	--customize-hook='umount "$1/var/cache/apt/archives"' \
	--customize-hook='cd "$1/usr/share" && rm -rf man/* info/* lintian/* &&
		if [ -d locale ]; then find locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +; fi &&
		if [ -d doc ]; then find doc -mindepth 1 ! -type d ! -name copyright -delete; fi' \
	"$suite" "$target" "$@"
