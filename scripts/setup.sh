#!/usr/bin/env bash
# Installs what a fresh machine lacks for building, testing and running Sightline. Idempotent;
# it only calls apt-get when something is missing. Payara and all Java libraries come from Maven
# Central through the build itself.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/env.sh"

need_apt=()
command -v mvn >/dev/null || need_apt+=(maven)
command -v python3 >/dev/null || need_apt+=(python3)
command -v unzip >/dev/null || need_apt+=(unzip)
command -v curl >/dev/null || need_apt+=(curl)
# The browser UI test drives Debian's Chromium through its chromedriver.
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
fc-list 2>/dev/null | grep -qi dejavu || need_apt+=(fonts-dejavu-core)
# Documents: LibreOffice (headless, no GUI) turns DOCX/XLSX/ODF into PDF; metric-compatible fonts
# (Carlito = Calibri, Caladea = Cambria, Liberation = Arial/Times/Courier) keep the layout.
command -v soffice >/dev/null || need_apt+=(libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)
fc-list 2>/dev/null | grep -qi carlito || need_apt+=(fonts-crosextra-carlito fonts-crosextra-caladea fonts-liberation2)
# OpenCL for the Aparapi backend: the ICD loader and PoCL, so the OpenCL path runs for real on the CPU.
[[ -e /etc/OpenCL/vendors/pocl.icd ]] || need_apt+=(pocl-opencl-icd)
ldconfig -p 2>/dev/null | grep -q 'libOpenCL.so.1' || need_apt+=(ocl-icd-libopencl1)
# PostgreSQL server binaries: the tests run a throwaway server (scripts/test-postgres.sh), as a deployment's database.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
# CJK text in documents (slides and PDFs with Chinese/Japanese/Korean) renders instead of boxes.
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || need_apt+=(fonts-noto-cjk)
if [[ ${#need_apt[@]} -gt 0 ]]; then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [[ -z "${JAVA_HOME:-}" || ! -x "$JAVA_HOME/bin/java" ]]; then
  echo "setup: a JDK 25 is required (Temurin 25 expected under /usr/lib/jvm, or set JAVA_HOME)" >&2
  exit 1
fi
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -version >/dev/null 2>&1 \
  || { echo "setup: $JAVA_HOME has no jdk.incubator.vector module" >&2; exit 1; }
