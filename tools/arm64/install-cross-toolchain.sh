#!/usr/bin/env bash
# Installs what publishing NativeAOT for linux-arm64 and running it under qemu needs (see ../shared/NOTES.md), when missing:
# qemu-aarch64 and the arm64 C runtime to run the binary; clang, lld, the aarch64 GNU toolchain and libc headers to link it
# (NativeAOT links with the platform's native toolchain). Needs root, or sudo. Used by samples/EdgeDigits/publish-and-check.sh
# and tools/neon-check/run.sh. Run it with bash; afterwards run arm64 binaries as: qemu-aarch64 -L /usr/aarch64-linux-gnu BINARY
set -euo pipefail
packages=(qemu-user binfmt-support libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross
          clang lld gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
else
  echo "all present: ${packages[*]}"
fi
if ! command -v qemu-aarch64 > /dev/null; then
  echo "FAILED: qemu-aarch64 is not on PATH after installing qemu-user" >&2
  exit 1
fi
