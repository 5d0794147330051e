#!/usr/bin/env bash
# Debian packages the project needs, installed when missing and we are allowed to.
#   pdf       Pango and a font for WeasyPrint (monthly statements as PDF); `make install`.
#   chromium  Debian's Chromium for the browser tests; `make chromium` (and `make test`).
# Playwright drives /usr/bin/chromium; it never downloads a browser of its own.
set -euo pipefail

wanted=()
for part in "$@"; do
  case "$part" in
    pdf)
      for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
          || wanted+=("$package")
      done
      ;;
    chromium)
      [ -x /usr/bin/chromium ] || wanted+=(chromium fonts-liberation)
      ;;
    *)
      echo "usage: $0 [pdf] [chromium]" >&2
      exit 2
      ;;
  esac
done
[ "${#wanted[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "Missing Debian packages and this user cannot install them: ${wanted[*]}" >&2
  echo "Install them with: sudo apt-get install ${wanted[*]}" >&2
  echo "(Without chromium the browser tests are skipped; without Pango statements cannot be made as PDF.)" >&2
  exit 0
fi
echo "Installing Debian packages: ${wanted[*]}..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
if [ -x /usr/bin/chromium ]; then /usr/bin/chromium --version; fi
