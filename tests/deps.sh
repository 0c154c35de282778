#!/usr/bin/env bash
# Installs the Debian packages sbx needs to build and test (make deps).
# As root it runs apt-get; otherwise it prints the exact sudo line.
set -eu
pkgs=(
	build-essential pkg-config clang libclang-rt-14-dev
	libncurses-dev libvterm-dev libcurl4-openssl-dev libjansson-dev libsixel-dev
	libpng-dev libmicrohttpd-dev libzmq3-dev libssl-dev libcmocka-dev zlib1g-dev
	python3 python3-venv python3-ipykernel python3-jupyter-client python3-matplotlib
	python3-numpy python3-pandas python3-nbformat
	nodejs curl jq procps iproute2 attr util-linux mmdebstrap nftables e2fsprogs libseccomp-dev
	qemu-system-x86 qemu-utils cpio xz-utils
	tmux xterm xvfb imagemagick x11-apps xfonts-base
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# nodejs from some repositories ships npm inside; Debian's splits it out.
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "sbx: missing Debian packages. Install them with:" >&2
	echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi
echo "sbx: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
