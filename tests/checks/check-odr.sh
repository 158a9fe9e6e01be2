#!/usr/bin/env bash
# One name, one type: every struct, class and enum defined at namespace scope in common/, server/
# and loadgen/ has a name no other such type has. The test programs link the server's and loadgen's
# libraries together, and two types of one name in namespace lab break the one-definition rule
# silently: each translation unit compiles, and the linker keeps one of their inline functions
# (an `enum class Metric` and a `struct Metric` made std::initializer_list<lab::Metric>::end() the
# struct's, and a loop over five enum values read past them: ASan's stack-buffer-overflow in
# summary.cpp). A type in a .cpp's anonymous namespace is counted too: rename it (one name, one
# meaning, for readers as well). Prints each name defined twice, with its files; exits 1 if any.
set -euo pipefail
cd "$(dirname "$0")/../.."
dups=$(git ls-files -co --exclude-standard 'common/*.h' 'common/*.cpp' 'server/*.h' 'server/*.cpp' 'loadgen/*.h' \
         'loadgen/*.cpp' |
  xargs grep -nE '^(struct|class|enum class|enum) [A-Za-z_][A-Za-z0-9_]*( final)?( : [^;{]*)? ?\{' |
  sed -E 's/^([^:]*):[0-9]+:(struct|class|enum class|enum) ([A-Za-z0-9_]+).*/\3 \1/' | sort |
  awk '{n[$1]++; f[$1] = f[$1] " " $2} END {for (k in n) if (n[k] > 1) print k ":" f[k]}')
if [ -n "$dups" ]; then
  echo "$dups"
  echo "check-odr: types defined twice under one name (rename one of each)" >&2
  exit 1
fi
echo "check-odr: every type's name is its own"
