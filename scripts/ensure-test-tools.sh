#!/usr/bin/env bash
# Installs what the tests need from Debian's packages when missing and possible:
# chromium (browser tests), poppler-utils (pdftotext/pdftoppm), zbar-tools (zbarimg), faketime
# (a whole process at another date and hour: contact hours in the browser tests).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "Instalando ferramentas de teste: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Sem permissão para instalar ${need[*]}: instale-os (apt-get install ${need[*]}) e rode de novo." >&2
    exit 1
  fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null
